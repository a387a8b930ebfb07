import ChargeBusContract
import ChargeBusOCPP

/// StopTransaction: records the stop, publishes the transaction data as meter readings and
/// `stopped` with the session's energy.
struct StopTransactionHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.StopTransaction.Request.self, payload)
        let record = try context.store.stopTransaction(
            id: Int64(request.transactionId), meterStopWh: Double(request.meterStop),
            stoppedAt: request.timestamp, reason: request.reason?.rawValue)
        let connector = record?.connector ?? 0
        let transactionID = TransactionID.int(request.transactionId)

        for value in request.transactionData ?? [] {
            try await MeterPublishing.publish(value, connector: connector, transactionID: transactionID, context: context)
        }

        let meterStop = Double(request.meterStop)
        var energy: Double?
        if let start = record?.meterStartWh {
            // A register below its start value means the charger counts per session (relative register).
            energy = meterStop >= start ? meterStop - start : meterStop
        }
        if record != nil {
            context.session.withMeterState(connector: connector) { meter in
                meter.transactionID = nil
                meter.meterStartWh = nil
                meter.validator.endTransaction()
            }
        } else {
            context.logger.warning("stop for an unknown transaction", metadata: ["transaction.id": "\(request.transactionId)"])
        }
        try await context.bus.transaction(context.chargerID, TransactionEvent(
            at: context.receivedAt, event: .stopped, transactionId: transactionID, connector: connector,
            idTag: request.idTag ?? record?.idTag, meterStopWh: meterStop, energyWh: energy,
            reason: request.reason?.rawValue ?? "Local", chargerTimestamp: request.timestamp))
        var info: OCPP16.IdTagInfo?
        if let tag = request.idTag { info = try IdTagAuthorization.idTagInfo(for: tag, context: context) }
        return context.encode(OCPP16.StopTransaction.Response(idTagInfo: info))
    }
}
