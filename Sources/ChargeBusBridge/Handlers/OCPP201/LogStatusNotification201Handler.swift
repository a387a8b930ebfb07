import ChargeBusContract
import ChargeBusOCPP

/// LogStatusNotification (2.0.1, the answer to GetLog, which replaces 1.6 GetDiagnostics): a
/// `diagnostics-status` event with the shared 1.6 word and the original.
struct LogStatusNotification201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.LogStatusNotification.Request.self, payload)
        var data: [String: JSONValue] = ["status": .string(OCPP201.sharedDiagnosticsStatus(request.status)),
                                         "ocppStatus": .string(request.status.rawValue)]
        if let requestId = request.requestId { data["requestId"] = .number(Double(requestId)) }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .diagnosticsStatus, data: .object(data)))
        return context.encode(OCPP201.LogStatusNotification.Response())
    }
}
