import ChargeBusContract
import ChargeBusOCPP

/// DiagnosticsStatusNotification: published as a `diagnostics-status` event.
struct DiagnosticsStatusNotificationHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.DiagnosticsStatusNotification.Request.self, payload)
        try await context.bus.event(context.chargerID, ChargerEvent(
            at: context.receivedAt, name: .diagnosticsStatus, data: .object(["status": .string(request.status.rawValue)])))
        return context.encode(OCPP16.DiagnosticsStatusNotification.Response())
    }
}
