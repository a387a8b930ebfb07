import ChargeBusContract
import ChargeBusOCPP

/// SecurityEventNotification (1.6 security extension): published as a `security-event` event.
struct SecurityEventNotificationHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.SecurityEventNotification.Request.self, payload)
        var data: [String: JSONValue] = ["type": .string(request.type), "timestamp": .string(Timestamp.format(request.timestamp))]
        if let techInfo = request.techInfo { data["techInfo"] = .string(techInfo) }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .securityEvent, data: .object(data)))
        context.logger.notice("security event", metadata: ["security.type": "\(request.type)"])
        return context.encode(OCPP16.SecurityEventNotification.Response())
    }
}
