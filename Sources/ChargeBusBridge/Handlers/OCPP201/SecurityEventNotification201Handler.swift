import ChargeBusContract
import ChargeBusOCPP

/// SecurityEventNotification (2.0.1): published as a `security-event` event, as in 1.6.
struct SecurityEventNotification201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.SecurityEventNotification.Request.self, payload)
        var data: [String: JSONValue] = ["type": .string(request.type), "timestamp": .string(Timestamp.format(request.timestamp))]
        if let techInfo = request.techInfo { data["techInfo"] = .string(techInfo) }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .securityEvent, data: .object(data)))
        return context.encode(OCPP201.SecurityEventNotification.Response())
    }
}
