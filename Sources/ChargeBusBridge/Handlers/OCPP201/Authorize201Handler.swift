import ChargeBusContract
import ChargeBusOCPP

/// Authorize (2.0.1): the id token is checked against the same id tags as 1.6.
struct Authorize201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.Authorize.Request.self, payload)
        let info = try OCPP201Publishing.idTokenInfo(for: request.idToken, context: context)
        return context.encode(OCPP201.Authorize.Response(idTokenInfo: info))
    }
}
