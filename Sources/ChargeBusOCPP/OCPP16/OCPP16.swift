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
        try actions.decodeChargerRequest(action: action, payload: payload, mode: mode)
    }

    /// Decodes a charge point's CALLRESULT payload answering a CSMS-initiated `action`.
    public static func decodeChargerResponse(action: String, payload: JSONValue,
                                             mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPPayload {
        try actions.decodeChargerResponse(action: action, payload: payload, mode: mode)
    }

    /// Validates, strictly, the payload of a CSMS-initiated request before it is sent to a charge
    /// point (a call request from the bus). Unknown actions: `notImplemented`; charger-initiated
    /// actions: `notSupported`.
    public static func validateCSMSRequest(action: String, payload: JSONValue) throws(OCPPValidationError) {
        try actions.validateCSMSRequest(action: action, payload: payload)
    }

    static let actions = OCPPActionTable(versionName: "OCPP 1.6", chargerRequestTypes: chargerRequestTypes,
                                         csmsRequestTypes: csmsRequestTypes)
}
