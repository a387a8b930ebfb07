import ChargeBusContract
import ChargeBusOCPP
import Foundation

/// TransactionEvent (2.0.1): Started/Ended become `started`/`stopped` on `transactions`, the meter
/// values inside go to the meter topic, and the charging state feeds the EVSE's shared status.
/// The charger's string transaction id is carried as is.
struct TransactionEvent201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.TransactionEvent.Request.self, payload)
        let evse = OCPP201.busConnector(evseId: request.evse?.id ?? context.session.evse(ofTransaction: request.transactionInfo.transactionId) ?? 1)
        let transactionID = request.transactionInfo.transactionId
        let busTransactionID = TransactionID.string(transactionID)
        var idTokenInfo: OCPP201.IdTokenInfoType?
        if let token = request.idToken { idTokenInfo = try OCPP201Publishing.idTokenInfo(for: token, context: context) }

        switch request.eventType {
        case .started:
            let meterStart = OCPP201.energyRegisterWh(in: request.meterValue, context: .transactionBegin)
            try context.store.recordTransaction201(Transaction201Record(
                chargerId: context.chargerID, transactionId: transactionID, evse: evse, idTag: request.idToken?.idToken,
                meterStartWh: meterStart, startedAt: request.timestamp, receivedAt: context.receivedAt))
            context.session.withMeterState(connector: evse) { meter in
                meter.transactionID = busTransactionID
                meter.meterStartWh = meterStart
                if let meterStart { meter.validator.startTransaction(meterStartWh: meterStart, at: request.timestamp) }
            }
            try await context.bus.transaction(context.chargerID, TransactionEvent(
                at: context.receivedAt, event: .started, transactionId: busTransactionID, connector: evse,
                idTag: request.idToken?.idToken, idTagStatus: idTokenInfo.map { OCPP201.sharedAuthorizationStatus($0.status) },
                meterStartWh: meterStart, chargerTimestamp: request.timestamp))
            context.logger.info("transaction started", metadata: ["transaction.id": "\(transactionID)", "connector": "\(evse)"])
        case .updated, .ended:
            // An Updated whose Started was lost still opens the transaction, so it is tracked.
            if context.session.withMeterState(connector: evse, { $0.transactionID }) != busTransactionID, request.eventType == .updated {
                try context.store.recordTransaction201(Transaction201Record(
                    chargerId: context.chargerID, transactionId: transactionID, evse: evse, idTag: request.idToken?.idToken,
                    meterStartWh: nil, startedAt: request.timestamp, receivedAt: context.receivedAt))
                context.session.withMeterState(connector: evse) { $0.transactionID = busTransactionID }
            }
        }

        for value in request.meterValue ?? [] {
            try await OCPP201Publishing.publishMeter(value, evse: evse, transactionID: busTransactionID, context: context)
        }

        let changed = context.session.updateEVSE(evse) { state in
            if let chargingState = request.transactionInfo.chargingState { state.chargingState = chargingState }
            switch request.eventType {
            case .started, .updated:
                state.transactionID = transactionID
                state.transactionEnded = false
            case .ended:
                state.transactionID = nil
                state.transactionEnded = true
            }
        }

        if request.eventType == .ended {
            let meterStop = OCPP201.energyRegisterWh(in: request.meterValue, context: .transactionEnd)
            let reason = OCPP201.sharedStopReason(request.transactionInfo.stoppedReason)
            let record = try context.store.stopTransaction201(chargerID: context.chargerID, transactionID: transactionID,
                                                              meterStopWh: meterStop, stoppedAt: request.timestamp, reason: reason)
            var energy: Double?
            if let start = record?.meterStartWh, let stop = meterStop { energy = stop >= start ? stop - start : stop }
            context.session.withMeterState(connector: evse) { meter in
                meter.transactionID = nil
                meter.meterStartWh = nil
                meter.validator.endTransaction()
            }
            try await context.bus.transaction(context.chargerID, TransactionEvent(
                at: context.receivedAt, event: .stopped, transactionId: busTransactionID, connector: evse,
                idTag: request.idToken?.idToken ?? record?.idTag, meterStopWh: meterStop, energyWh: energy, reason: reason,
                chargerTimestamp: request.timestamp))
            context.logger.info("transaction ended", metadata: ["transaction.id": "\(transactionID)", "reason": "\(reason)"])
        }
        try await OCPP201Publishing.publishStatus(evse: evse, changed, context: context)
        return context.encode(OCPP201.TransactionEvent.Response(idTokenInfo: idTokenInfo))
    }
}
