import ChargeBusContract

/// OCPP 2.0.1 (JSON): message types, one namespace per action (`OCPP201.BootNotification.Request`,
/// `.Response`), shared datatypes and enumerations with the 2.0.1 JSON schemas' exact names,
/// field names, values and string lengths.
///
/// Every object type accepts the schemas' optional `customData` (`CustomDataType`); every other
/// unknown field is rejected in strict mode (`"additionalProperties": false`), as in 1.6.
/// The schemas' `minItems`/`maxItems` are enforced in strict mode (OccurrenceConstraintViolation).
/// CALLERRORs for a 2.0.1 peer are spelled with `OCPPErrorCode.wireName(for: .v201)`.
public enum OCPP201 {
    public static let version = OCPPVersion.v201

    /// OCPP 2.0.1 Part 4: a charging station identity is at most 48 characters.
    public static let maxIdentityLength = 48

    /// Whether `identity` (the last path segment of the connection URL) is a valid 2.0.1
    /// charging station identity: 1…48 characters and no `:`, which HTTP Basic authentication
    /// (security profiles 1 and 2) uses as the separator of the username.
    public static func isValidIdentity(_ identity: String) -> Bool {
        !identity.isEmpty && identity.unicodeScalars.count <= maxIdentityLength && !identity.contains(":")
    }

    /// Request types of the actions a charging station initiates, by action name.
    public static let chargerRequestTypes: [String: any OCPPRequest.Type] = Dictionary(uniqueKeysWithValues: [
        Authorize.Request.self, BootNotification.Request.self, DataTransfer.Request.self,
        FirmwareStatusNotification.Request.self, Heartbeat.Request.self, LogStatusNotification.Request.self,
        MeterValues.Request.self, NotifyEvent.Request.self, NotifyReport.Request.self,
        SecurityEventNotification.Request.self, StatusNotification.Request.self, TransactionEvent.Request.self,
    ].map { (type: any OCPPRequest.Type) in (type.action, type) })

    /// Request types of the actions the CSMS initiates, by action name.
    public static let csmsRequestTypes: [String: any OCPPRequest.Type] = Dictionary(uniqueKeysWithValues: [
        ChangeAvailability.Request.self, ClearCache.Request.self, DataTransfer.Request.self, GetLog.Request.self,
        GetVariables.Request.self, RequestStartTransaction.Request.self, RequestStopTransaction.Request.self,
        Reset.Request.self, SetVariables.Request.self, TriggerMessage.Request.self, UnlockConnector.Request.self,
        UpdateFirmware.Request.self,
    ].map { (type: any OCPPRequest.Type) in (type.action, type) })

    /// Actions a charging station sends as CALLs (DataTransfer goes both ways).
    public static let chargerInitiatedActions: Set<String> = Set(chargerRequestTypes.keys)

    /// Actions the CSMS sends as CALLs (DataTransfer goes both ways).
    public static let csmsInitiatedActions: Set<String> = Set(csmsRequestTypes.keys)

    /// 2.0.1 actions this module does not model, in either direction. A charging station sending
    /// one as a CALL gets `notImplemented` like any unknown action; listed so that CSMS-initiated
    /// ones are answered `notSupported` when a charger sends them.
    static let otherCSMSInitiatedActions: Set<String> = [
        "CancelReservation", "CertificateSigned", "ClearChargingProfile", "ClearDisplayMessage",
        "ClearVariableMonitoring", "CostUpdated", "CustomerInformation", "DeleteCertificate", "GetBaseReport",
        "GetCertificateStatus", "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetMonitoringReport", "GetReport", "GetTransactionStatus",
        "InstallCertificate", "PublishFirmware", "ReserveNow", "SendLocalList", "SetChargingProfile", "SetDisplayMessage",
        "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile", "SetVariableMonitoring", "UnpublishFirmware",
    ]

    /// Charger-initiated 2.0.1 actions this module does not model (smart charging, ISO 15118
    /// certificates, display messages, monitoring reports, reservations, local controllers).
    /// A charging station sending one gets `notSupported` ("recognized but not supported").
    public static let unsupportedChargerActions: Set<String> = [
        "ClearedChargingLimit", "Get15118EVCertificate", "GetCertificateStatus", "NotifyChargingLimit",
        "NotifyCustomerInformation", "NotifyDisplayMessages", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule",
        "NotifyMonitoringReport", "PublishFirmwareStatusNotification", "ReportChargingProfiles", "ReservationStatusUpdate",
        "SignCertificate",
    ]

    /// Decodes a CALL received from a charging station. An action this side does not handle gives
    /// `notSupported` when it is a 2.0.1 action (CSMS-initiated, or in `unsupportedChargerActions`)
    /// and `notImplemented` otherwise, the codes the CALLERROR should carry.
    public static func decodeChargerRequest(action: String, payload: JSONValue,
                                            mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPRequest {
        try actions.decodeChargerRequest(action: action, payload: payload, mode: mode)
    }

    /// Decodes a charging station's CALLRESULT payload answering a CSMS-initiated `action`.
    public static func decodeChargerResponse(action: String, payload: JSONValue,
                                             mode: OCPPValidationMode) throws(OCPPValidationError) -> any OCPPPayload {
        try actions.decodeChargerResponse(action: action, payload: payload, mode: mode)
    }

    /// Validates, strictly, the payload of a CSMS-initiated request before it is sent to a charging
    /// station (a call request from the bus). Unknown actions: `notImplemented`; charger-initiated
    /// actions: `notSupported`.
    public static func validateCSMSRequest(action: String, payload: JSONValue) throws(OCPPValidationError) {
        try actions.validateCSMSRequest(action: action, payload: payload)
    }

    static let actions = OCPPActionTable(versionName: "OCPP 2.0.1", chargerRequestTypes: chargerRequestTypes,
                                         csmsRequestTypes: csmsRequestTypes,
                                         unsupportedChargerActions: unsupportedChargerActions,
                                         otherCSMSInitiatedActions: otherCSMSInitiatedActions)
}
