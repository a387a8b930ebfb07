import ChargeBusContract

/// OCPP 1.6 (JSON): message types, one namespace per action (`OCPP16.BootNotification.Request`,
/// `.Response`), shared types and enumerations with the schema's exact field names and values.
public enum OCPP16 {
    public static let version = OCPPVersion.v16

    /// Request types of the actions a charge point initiates, by action name.
    public static let chargerRequestTypes: [String: any OCPPRequest.Type] = Dictionary(uniqueKeysWithValues: [
        Authorize.Request.self, BootNotification.Request.self, DataTransfer.Request.self,
        DiagnosticsStatusNotification.Request.self, FirmwareStatusNotification.Request.self, Heartbeat.Request.self,
        MeterValues.Request.self, StartTransaction.Request.self, StatusNotification.Request.self,
        StopTransaction.Request.self, SecurityEventNotification.Request.self,
    ].map { (type: any OCPPRequest.Type) in (type.action, type) })

    /// Request types of the actions the CSMS initiates, by action name.
    public static let csmsRequestTypes: [String: any OCPPRequest.Type] = Dictionary(uniqueKeysWithValues: [
        ChangeAvailability.Request.self, ChangeConfiguration.Request.self, ClearCache.Request.self,
        DataTransfer.Request.self, GetConfiguration.Request.self, GetDiagnostics.Request.self,
        RemoteStartTransaction.Request.self, RemoteStopTransaction.Request.self, Reset.Request.self,
        TriggerMessage.Request.self, UnlockConnector.Request.self, UpdateFirmware.Request.self,
        CancelReservation.Request.self, ReserveNow.Request.self, SetChargingProfile.Request.self,
        ClearChargingProfile.Request.self, GetCompositeSchedule.Request.self, GetLocalListVersion.Request.self,
        SendLocalList.Request.self,
    ].map { (type: any OCPPRequest.Type) in (type.action, type) })

    /// Actions a charge point sends as CALLs (DataTransfer goes both ways).
    public static let chargerInitiatedActions: Set<String> = Set(chargerRequestTypes.keys)

    /// Actions the CSMS sends as CALLs (DataTransfer goes both ways).
    public static let csmsInitiatedActions: Set<String> = Set(csmsRequestTypes.keys)

    /// Decodes a CALL received from a charge point. An action this side does not handle gives
    /// `notSupported` when it is a CSMS-initiated 1.6 action and `notImplemented` otherwise,
    /// the codes the CALLERROR should carry.
    public static func decodeChargerRequest(action: String, payload: JSONValue,
                                            mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPRequest {
        guard let type = chargerRequestTypes[action] else {
            throw unknownAction(action, otherDirection: csmsInitiatedActions)
        }
        return try decodeRequest(type, payload, mode)
    }

    /// Decodes a charge point's CALLRESULT payload answering a CSMS-initiated `action`.
    public static func decodeChargerResponse(action: String, payload: JSONValue,
                                             mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPPayload {
        guard let type = csmsRequestTypes[action] else {
            throw unknownAction(action, otherDirection: chargerInitiatedActions)
        }
        return try decodeResponse(type, payload, mode)
    }

    /// Validates, strictly, the payload of a CSMS-initiated request before it is sent to a charge
    /// point (a call request from the bus). Unknown actions: `notImplemented`; charger-initiated
    /// actions: `notSupported`.
    public static func validateCSMSRequest(action: String, payload: JSONValue) throws(OCPPValidationError) {
        guard let type = csmsRequestTypes[action] else {
            throw unknownAction(action, otherDirection: chargerInitiatedActions)
        }
        _ = try decodeRequest(type, payload, .strict)
    }

    private static func unknownAction(_ action: String, otherDirection: Set<String>) -> OCPPValidationError {
        if otherDirection.contains(action) {
            return OCPPValidationError(code: .notSupported, description: "\(action) is not accepted in this direction")
        }
        return OCPPValidationError(code: .notImplemented, description: "Unknown OCPP 1.6 action \"\(action.prefix(50))\"")
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
