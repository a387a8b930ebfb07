import ChargeBusContract
import ChargeBusOCPP

/// NotifyReport (2.0.1): the device model report, passed through as a `report` event.
struct NotifyReport201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.NotifyReport.Request.self, payload)
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .report, data: payload))
        context.logger.debug("report", metadata: ["report.request_id": "\(request.requestId)", "report.seq": "\(request.seqNo)"])
        return context.encode(OCPP201.NotifyReport.Response())
    }
}
