import ChargeBusContract

/// One OCPP version's actions in each direction, and the decoding every version does the same
/// way: a known action decodes with its type; an action of the other direction is `notSupported`;
/// anything else is `notImplemented`.
struct OCPPActionTable: Sendable {
    let versionName: String
    let chargerRequestTypes: [String: any OCPPRequest.Type]
    let csmsRequestTypes: [String: any OCPPRequest.Type]
    /// Charger-initiated actions of this version that are recognized but not handled (`notSupported`).
    var unsupportedChargerActions: Set<String> = []
    /// Further actions that count as CSMS-initiated when a charger sends them (`notSupported`).
    var otherCSMSInitiatedActions: Set<String> = []

    var chargerInitiatedActions: Set<String> { Set(chargerRequestTypes.keys) }
    var csmsInitiatedActions: Set<String> { Set(csmsRequestTypes.keys) }

    func decodeChargerRequest(action: String, payload: JSONValue,
                              mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPRequest {
        guard let type = chargerRequestTypes[action] else {
            if unsupportedChargerActions.contains(action) {
                throw OCPPValidationError(code: .notSupported, description: "\(action) is not supported")
            }
            throw unknownAction(action, otherDirection: csmsInitiatedActions.union(otherCSMSInitiatedActions))
        }
        return try Self.decodeRequest(type, payload, mode)
    }

    func decodeChargerResponse(action: String, payload: JSONValue,
                               mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPPayload {
        guard let type = csmsRequestTypes[action] else {
            throw unknownAction(action, otherDirection: chargerInitiatedActions)
        }
        return try Self.decodeResponse(type, payload, mode)
    }

    func validateCSMSRequest(action: String, payload: JSONValue) throws(OCPPValidationError) {
        guard let type = csmsRequestTypes[action] else {
            throw unknownAction(action, otherDirection: chargerInitiatedActions)
        }
        _ = try Self.decodeRequest(type, payload, .strict)
    }

    private func unknownAction(_ action: String, otherDirection: Set<String>) -> OCPPValidationError {
        if otherDirection.contains(action) {
            return OCPPValidationError(code: .notSupported, description: "\(action) is not accepted in this direction")
        }
        return OCPPValidationError(code: .notImplemented, description: "Unknown \(versionName) action \"\(action.prefix(50))\"")
    }

    private static func decodeRequest<R: OCPPRequest>(_ type: R.Type, _ payload: JSONValue,
                                                      _ mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPRequest {
        try OCPPPayloadCoding.decode(type, from: payload, mode: mode)
    }

    private static func decodeResponse<R: OCPPRequest>(_ type: R.Type, _ payload: JSONValue,
                                                       _ mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPPayload {
        try OCPPPayloadCoding.decode(R.Response.self, from: payload, mode: mode)
    }
}
