import ChargeBusContract
import ChargeBusOCPP

/// DataTransfer: published as an event for whichever daemon knows the vendor; answered Accepted
/// because the bridge delivered it (the bus is the CSMS's implementation of every vendor).
struct DataTransferHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.DataTransfer.Request.self, payload)
        var data: [String: JSONValue] = ["vendorId": .string(request.vendorId)]
        if let messageId = request.messageId { data["messageId"] = .string(messageId) }
        if let body = request.data { data["data"] = .string(body) }
        try await context.bus.event(context.chargerID, ChargerEvent(at: context.receivedAt, name: .dataTransfer, data: .object(data)))
        return context.encode(OCPP16.DataTransfer.Response(status: .accepted, data: nil))
    }
}
