// Closed enumerations of the OCPP 2.0.1 JSON schemas, named as in the schemas, values spelled exactly as on the wire.

extension OCPP201 {
    /// BootNotificationRequest.reason.
    public enum BootReasonEnumType: String, OCPPClosedEnum {
        case applicationReset = "ApplicationReset"
        case firmwareUpdate = "FirmwareUpdate"
        case localReset = "LocalReset"
        case powerUp = "PowerUp"
        case remoteReset = "RemoteReset"
        case scheduledReset = "ScheduledReset"
        case triggered = "Triggered"
        case unknown = "Unknown"
        case watchdog = "Watchdog"
    }

    /// BootNotificationResponse.status.
    public enum RegistrationStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case pending = "Pending"
        case rejected = "Rejected"
    }

    /// StatusNotificationRequest.connectorStatus.
    public enum ConnectorStatusEnumType: String, OCPPClosedEnum {
        case available = "Available"
        case occupied = "Occupied"
        case reserved = "Reserved"
        case unavailable = "Unavailable"
        case faulted = "Faulted"
    }

    /// TransactionEventRequest.eventType.
    public enum TransactionEventEnumType: String, OCPPClosedEnum {
        case ended = "Ended"
        case started = "Started"
        case updated = "Updated"
    }

    /// TransactionEventRequest.triggerReason.
    public enum TriggerReasonEnumType: String, OCPPClosedEnum {
        case authorized = "Authorized"
        case cablePluggedIn = "CablePluggedIn"
        case chargingRateChanged = "ChargingRateChanged"
        case chargingStateChanged = "ChargingStateChanged"
        case deauthorized = "Deauthorized"
        case energyLimitReached = "EnergyLimitReached"
        case evCommunicationLost = "EVCommunicationLost"
        case evConnectTimeout = "EVConnectTimeout"
        case meterValueClock = "MeterValueClock"
        case meterValuePeriodic = "MeterValuePeriodic"
        case timeLimitReached = "TimeLimitReached"
        case trigger = "Trigger"
        case unlockCommand = "UnlockCommand"
        case stopAuthorized = "StopAuthorized"
        case evDeparted = "EVDeparted"
        case evDetected = "EVDetected"
        case remoteStop = "RemoteStop"
        case remoteStart = "RemoteStart"
        case abnormalCondition = "AbnormalCondition"
        case signedDataReceived = "SignedDataReceived"
        case resetCommand = "ResetCommand"
    }

    /// TransactionType.chargingState.
    public enum ChargingStateEnumType: String, OCPPClosedEnum {
        case charging = "Charging"
        case evConnected = "EVConnected"
        case suspendedEV = "SuspendedEV"
        case suspendedEVSE = "SuspendedEVSE"
        case idle = "Idle"
    }

    /// TransactionType.stoppedReason. Absent means `local`. Lenient decoding maps unknown values to `other`.
    public enum ReasonEnumType: String, OCPPClosedEnum {
        case deAuthorized = "DeAuthorized"
        case emergencyStop = "EmergencyStop"
        case energyLimitReached = "EnergyLimitReached"
        case evDisconnected = "EVDisconnected"
        case groundFault = "GroundFault"
        case immediateReset = "ImmediateReset"
        case local = "Local"
        case localOutOfCredit = "LocalOutOfCredit"
        case masterPass = "MasterPass"
        case other = "Other"
        case overcurrentFault = "OvercurrentFault"
        case powerLoss = "PowerLoss"
        case powerQuality = "PowerQuality"
        case reboot = "Reboot"
        case remote = "Remote"
        case socLimitReached = "SOCLimitReached"
        case stoppedByEV = "StoppedByEV"
        case timeLimitReached = "TimeLimitReached"
        case timeout = "Timeout"

        public static var lenientFallback: ReasonEnumType? { .other }
    }

    /// IdTokenInfoType.status.
    public enum AuthorizationStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case blocked = "Blocked"
        case concurrentTx = "ConcurrentTx"
        case expired = "Expired"
        case invalid = "Invalid"
        case noCredit = "NoCredit"
        case notAllowedTypeEVSE = "NotAllowedTypeEVSE"
        case notAtThisLocation = "NotAtThisLocation"
        case notAtThisTime = "NotAtThisTime"
        case unknown = "Unknown"
    }

    /// AuthorizeResponse.certificateStatus.
    public enum AuthorizeCertificateStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case signatureError = "SignatureError"
        case certificateExpired = "CertificateExpired"
        case certificateRevoked = "CertificateRevoked"
        case noCertificateAvailable = "NoCertificateAvailable"
        case certChainError = "CertChainError"
        case contractCancelled = "ContractCancelled"
    }

    /// OCSPRequestDataType.hashAlgorithm.
    public enum HashAlgorithmEnumType: String, OCPPClosedEnum {
        case sha256 = "SHA256"
        case sha384 = "SHA384"
        case sha512 = "SHA512"
    }

    /// IdTokenType.type.
    public enum IdTokenEnumType: String, OCPPClosedEnum {
        case central = "Central"
        case eMAID = "eMAID"
        case iso14443 = "ISO14443"
        case iso15693 = "ISO15693"
        case keyCode = "KeyCode"
        case local = "Local"
        case macAddress = "MacAddress"
        case noAuthorization = "NoAuthorization"
    }

    /// MessageContentType.format.
    public enum MessageFormatEnumType: String, OCPPClosedEnum {
        case ascii = "ASCII"
        case html = "HTML"
        case uri = "URI"
        case utf8 = "UTF8"
    }

    /// EventDataType.trigger.
    public enum EventTriggerEnumType: String, OCPPClosedEnum {
        case alerting = "Alerting"
        case delta = "Delta"
        case periodic = "Periodic"
    }

    /// EventDataType.eventNotificationType.
    public enum EventNotificationEnumType: String, OCPPClosedEnum {
        case hardWiredNotification = "HardWiredNotification"
        case hardWiredMonitor = "HardWiredMonitor"
        case preconfiguredMonitor = "PreconfiguredMonitor"
        case customMonitor = "CustomMonitor"
    }

    /// ResetRequest.type.
    public enum ResetEnumType: String, OCPPClosedEnum {
        case immediate = "Immediate"
        case onIdle = "OnIdle"
    }

    /// ResetResponse.status.
    public enum ResetStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case scheduled = "Scheduled"
    }

    /// ChangeAvailabilityRequest.operationalStatus.
    public enum OperationalStatusEnumType: String, OCPPClosedEnum {
        case inoperative = "Inoperative"
        case operative = "Operative"
    }

    /// ChangeAvailabilityResponse.status.
    public enum ChangeAvailabilityStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case scheduled = "Scheduled"
    }

    /// UnlockConnectorResponse.status.
    public enum UnlockStatusEnumType: String, OCPPClosedEnum {
        case unlocked = "Unlocked"
        case unlockFailed = "UnlockFailed"
        case ongoingAuthorizedTransaction = "OngoingAuthorizedTransaction"
        case unknownConnector = "UnknownConnector"
    }

    /// RequestStartTransactionResponse / RequestStopTransactionResponse status.
    public enum RequestStartStopStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// GetVariableResultType.attributeStatus.
    public enum GetVariableStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case unknownComponent = "UnknownComponent"
        case unknownVariable = "UnknownVariable"
        case notSupportedAttributeType = "NotSupportedAttributeType"
    }

    /// SetVariableResultType.attributeStatus.
    public enum SetVariableStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case unknownComponent = "UnknownComponent"
        case unknownVariable = "UnknownVariable"
        case notSupportedAttributeType = "NotSupportedAttributeType"
        case rebootRequired = "RebootRequired"
    }

    /// The attribute of a variable. Absent means `actual`.
    public enum AttributeEnumType: String, OCPPClosedEnum {
        case actual = "Actual"
        case target = "Target"
        case minSet = "MinSet"
        case maxSet = "MaxSet"
    }

    /// VariableAttributeType.mutability. Absent means `readWrite`.
    public enum MutabilityEnumType: String, OCPPClosedEnum {
        case readOnly = "ReadOnly"
        case writeOnly = "WriteOnly"
        case readWrite = "ReadWrite"
    }

    /// VariableCharacteristicsType.dataType.
    public enum DataEnumType: String, OCPPClosedEnum {
        case `string` = "string"
        case decimal = "decimal"
        case integer = "integer"
        case dateTime = "dateTime"
        case boolean = "boolean"
        case optionList = "OptionList"
        case sequenceList = "SequenceList"
        case memberList = "MemberList"
    }

    /// TriggerMessageRequest.requestedMessage.
    public enum MessageTriggerEnumType: String, OCPPClosedEnum {
        case bootNotification = "BootNotification"
        case logStatusNotification = "LogStatusNotification"
        case firmwareStatusNotification = "FirmwareStatusNotification"
        case heartbeat = "Heartbeat"
        case meterValues = "MeterValues"
        case signChargingStationCertificate = "SignChargingStationCertificate"
        case signV2GCertificate = "SignV2GCertificate"
        case statusNotification = "StatusNotification"
        case transactionEvent = "TransactionEvent"
        case signCombinedCertificate = "SignCombinedCertificate"
        case publishFirmwareStatusNotification = "PublishFirmwareStatusNotification"
    }

    /// TriggerMessageResponse.status.
    public enum TriggerMessageStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case notImplemented = "NotImplemented"
    }

    /// FirmwareStatusNotificationRequest.status.
    public enum FirmwareStatusEnumType: String, OCPPClosedEnum {
        case downloaded = "Downloaded"
        case downloadFailed = "DownloadFailed"
        case downloading = "Downloading"
        case downloadScheduled = "DownloadScheduled"
        case downloadPaused = "DownloadPaused"
        case idle = "Idle"
        case installationFailed = "InstallationFailed"
        case installing = "Installing"
        case installed = "Installed"
        case installRebooting = "InstallRebooting"
        case installScheduled = "InstallScheduled"
        case installVerificationFailed = "InstallVerificationFailed"
        case invalidSignature = "InvalidSignature"
        case signatureVerified = "SignatureVerified"
    }

    /// LogStatusNotificationRequest.status.
    public enum UploadLogStatusEnumType: String, OCPPClosedEnum {
        case badMessage = "BadMessage"
        case idle = "Idle"
        case notSupportedOperation = "NotSupportedOperation"
        case permissionDenied = "PermissionDenied"
        case uploaded = "Uploaded"
        case uploadFailure = "UploadFailure"
        case uploading = "Uploading"
        case acceptedCanceled = "AcceptedCanceled"
    }

    /// GetLogRequest.logType.
    public enum LogEnumType: String, OCPPClosedEnum {
        case diagnosticsLog = "DiagnosticsLog"
        case securityLog = "SecurityLog"
    }

    /// GetLogResponse.status.
    public enum LogStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case acceptedCanceled = "AcceptedCanceled"
    }

    /// DataTransferResponse.status.
    public enum DataTransferStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case unknownMessageId = "UnknownMessageId"
        case unknownVendorId = "UnknownVendorId"
    }

    /// ClearCacheResponse.status.
    public enum ClearCacheStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// UpdateFirmwareResponse.status.
    public enum UpdateFirmwareStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case acceptedCanceled = "AcceptedCanceled"
        case invalidCertificate = "InvalidCertificate"
        case revokedCertificate = "RevokedCertificate"
    }

    /// The generic Accepted/Rejected status of several responses.
    public enum GenericStatusEnumType: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }
}
