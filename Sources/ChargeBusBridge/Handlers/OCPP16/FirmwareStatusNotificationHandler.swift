import ChargeBusContract
import ChargeBusOCPP

/// FirmwareStatusNotification: published as a `firmware-status` event.
struct FirmwareStatusNotificationHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.FirmwareStatusNotification.Request.self, payload)
        try await context.bus.event(context.chargerID, ChargerEvent(
            at: context.receivedAt, name: .firmwareStatus, data: .object(["status": .string(request.status.rawValue)])))
        return context.encode(OCPP16.FirmwareStatusNotification.Response())
    }
}
