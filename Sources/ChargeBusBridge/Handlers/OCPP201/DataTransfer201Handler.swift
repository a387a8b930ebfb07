import ChargeBusContract
import ChargeBusOCPP

/// DataTransfer (2.0.1): published as a `data-transfer` event, answered Accepted, as in 1.6.
struct DataTransfer201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.DataTransfer.Request.self, payload)
        var data: [String: JSONValue] = ["vendorId": .string(request.vendorId)]
        if let messageId = request.messageId { data["messageId"] = .string(messageId) }
        if let body = request.data { data["data"] = body }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .dataTransfer, data: .object(data)))
        return context.encode(OCPP201.DataTransfer.Response(status: .accepted))
    }
}
