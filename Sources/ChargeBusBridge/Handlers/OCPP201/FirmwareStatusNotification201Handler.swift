import ChargeBusContract
import ChargeBusOCPP

/// FirmwareStatusNotification (2.0.1): a `firmware-status` event with the shared 1.6 word in
/// `status` and the original in `ocppStatus`.
struct FirmwareStatusNotification201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.FirmwareStatusNotification.Request.self, payload)
        var data: [String: JSONValue] = ["status": .string(OCPP201.sharedFirmwareStatus(request.status)),
                                         "ocppStatus": .string(request.status.rawValue)]
        if let requestId = request.requestId { data["requestId"] = .number(Double(requestId)) }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .firmwareStatus, data: .object(data)))
        return context.encode(OCPP201.FirmwareStatusNotification.Response())
    }
}
