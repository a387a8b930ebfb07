import ChargeBusContract
import ChargeBusOCPP

/// Authorize: the id tag is checked against the registry's id tags.
struct AuthorizeHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.Authorize.Request.self, payload)
        let info = try IdTagAuthorization.idTagInfo(for: request.idTag, context: context)
        return context.encode(OCPP16.Authorize.Response(idTagInfo: info))
    }
}

enum IdTagAuthorization {
    static func idTagInfo(for tag: String, context: CallContext) throws -> OCPP16.IdTagInfo {
        let result = try context.store.authorize(tag: tag, now: context.environment.now())
        let status = OCPP16.AuthorizationStatus(rawValue: result.status) ?? .invalid
        return OCPP16.IdTagInfo(expiryDate: result.expiry, parentIdTag: result.parent, status: status)
    }
}
