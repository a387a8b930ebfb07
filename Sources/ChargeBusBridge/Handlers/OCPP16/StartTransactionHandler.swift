import ChargeBusContract
import ChargeBusOCPP

/// StartTransaction: checks the id tag, assigns a transaction id from SQLite (so ids survive
/// restarts and a replayed start gets its first id back), and publishes `started`.
struct StartTransactionHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.StartTransaction.Request.self, payload)
        let info = try IdTagAuthorization.idTagInfo(for: request.idTag, context: context)
        // OCPP 1.6 requires a transaction id even when the tag is refused: the charger then stops it.
        let record = try context.store.startTransaction(
            chargerID: context.chargerID, connector: request.connectorId, idTag: request.idTag,
            idTagStatus: info.status.rawValue, meterStartWh: Double(request.meterStart),
            startedAt: request.timestamp, receivedAt: context.receivedAt)
        guard let id = record.id else { throw CallHandlingError(code: .internalError, description: "no transaction id was assigned") }
        let transactionID = TransactionID.int(Int(id))
        context.session.withMeterState(connector: request.connectorId) { meter in
            meter.transactionID = transactionID
            meter.meterStartWh = record.meterStartWh
            meter.validator.startTransaction(meterStartWh: record.meterStartWh, at: record.startedAt)
        }
        try await context.bus.transaction(context.chargerID, TransactionEvent(
            at: context.receivedAt, event: .started, transactionId: transactionID, connector: request.connectorId,
            idTag: request.idTag, idTagStatus: info.status.rawValue, meterStartWh: record.meterStartWh,
            chargerTimestamp: request.timestamp))
        context.logger.info("transaction started", metadata: ["transaction.id": "\(id)", "connector": "\(request.connectorId)", "idtag.status": "\(info.status.rawValue)"])
        return context.encode(OCPP16.StartTransaction.Response(idTagInfo: info, transactionId: Int(id)))
    }
}
