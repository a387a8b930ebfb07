// Closed enumerations of the OCPP 1.6 JSON schemas, values spelled exactly as on the wire.

extension OCPP16 {
    /// IdTagInfo.status.
    public enum AuthorizationStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case blocked = "Blocked"
        case expired = "Expired"
        case invalid = "Invalid"
        case concurrentTx = "ConcurrentTx"
    }

    /// BootNotification.conf status.
    public enum RegistrationStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case pending = "Pending"
        case rejected = "Rejected"
    }

    /// DataTransfer.conf status.
    public enum DataTransferStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case unknownMessageId = "UnknownMessageId"
        case unknownVendorId = "UnknownVendorId"
    }

    /// DiagnosticsStatusNotification.req status.
    public enum DiagnosticsStatus: String, OCPPClosedEnum {
        case idle = "Idle"
        case uploaded = "Uploaded"
        case uploadFailed = "UploadFailed"
        case uploading = "Uploading"
    }

    /// FirmwareStatusNotification.req status.
    public enum FirmwareStatus: String, OCPPClosedEnum {
        case downloaded = "Downloaded"
        case downloadFailed = "DownloadFailed"
        case downloading = "Downloading"
        case idle = "Idle"
        case installationFailed = "InstallationFailed"
        case installing = "Installing"
        case installed = "Installed"
    }

    /// StatusNotification.req errorCode. Lenient decoding maps unknown codes (e.g. Legrand's
    /// `"Error"`) to `otherError`.
    public enum ChargePointErrorCode: String, OCPPClosedEnum {
        case connectorLockFailure = "ConnectorLockFailure"
        case evCommunicationError = "EVCommunicationError"
        case groundFailure = "GroundFailure"
        case highTemperature = "HighTemperature"
        case internalError = "InternalError"
        case localListConflict = "LocalListConflict"
        case noError = "NoError"
        case otherError = "OtherError"
        case overCurrentFailure = "OverCurrentFailure"
        case powerMeterFailure = "PowerMeterFailure"
        case powerSwitchFailure = "PowerSwitchFailure"
        case readerFailure = "ReaderFailure"
        case resetFailure = "ResetFailure"
        case underVoltage = "UnderVoltage"
        case overVoltage = "OverVoltage"
        case weakSignal = "WeakSignal"

        public static var lenientFallback: ChargePointErrorCode? { .otherError }
    }

    /// StatusNotification.req status.
    public enum ChargePointStatus: String, OCPPClosedEnum {
        case available = "Available"
        case preparing = "Preparing"
        case charging = "Charging"
        case suspendedEVSE = "SuspendedEVSE"
        case suspendedEV = "SuspendedEV"
        case finishing = "Finishing"
        case reserved = "Reserved"
        case unavailable = "Unavailable"
        case faulted = "Faulted"
    }

    /// StopTransaction.req reason. Absent means `local`. Lenient decoding maps unknown values to `other`.
    public enum Reason: String, OCPPClosedEnum {
        case emergencyStop = "EmergencyStop"
        case evDisconnected = "EVDisconnected"
        case hardReset = "HardReset"
        case local = "Local"
        case other = "Other"
        case powerLoss = "PowerLoss"
        case reboot = "Reboot"
        case remote = "Remote"
        case softReset = "SoftReset"
        case unlockCommand = "UnlockCommand"
        case deAuthorized = "DeAuthorized"

        public static var lenientFallback: Reason? { .other }
    }

    /// ChangeAvailability.req type.
    public enum AvailabilityType: String, OCPPClosedEnum {
        case inoperative = "Inoperative"
        case operative = "Operative"
    }

    /// ChangeAvailability.conf status.
    public enum AvailabilityStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case scheduled = "Scheduled"
    }

    /// ChangeConfiguration.conf status.
    public enum ConfigurationStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case rebootRequired = "RebootRequired"
        case notSupported = "NotSupported"
    }

    /// ClearCache.conf status.
    public enum ClearCacheStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// Reset.req type.
    public enum ResetType: String, OCPPClosedEnum {
        case hard = "Hard"
        case soft = "Soft"
    }

    /// Reset.conf status.
    public enum ResetStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// RemoteStartTransaction.conf / RemoteStopTransaction.conf status.
    public enum RemoteStartStopStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// TriggerMessage.req requestedMessage.
    public enum MessageTrigger: String, OCPPClosedEnum {
        case bootNotification = "BootNotification"
        case diagnosticsStatusNotification = "DiagnosticsStatusNotification"
        case firmwareStatusNotification = "FirmwareStatusNotification"
        case heartbeat = "Heartbeat"
        case meterValues = "MeterValues"
        case statusNotification = "StatusNotification"
    }

    /// TriggerMessage.conf status.
    public enum TriggerMessageStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case notImplemented = "NotImplemented"
    }

    /// UnlockConnector.conf status.
    public enum UnlockStatus: String, OCPPClosedEnum {
        case unlocked = "Unlocked"
        case unlockFailed = "UnlockFailed"
        case notSupported = "NotSupported"
    }

    /// CancelReservation.conf status.
    public enum CancelReservationStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// ReserveNow.conf status.
    public enum ReservationStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case faulted = "Faulted"
        case occupied = "Occupied"
        case rejected = "Rejected"
        case unavailable = "Unavailable"
    }

    /// SetChargingProfile.conf status.
    public enum ChargingProfileStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case notSupported = "NotSupported"
    }

    /// ClearChargingProfile.conf status.
    public enum ClearChargingProfileStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case unknown = "Unknown"
    }

    /// GetCompositeSchedule.conf status.
    public enum GetCompositeScheduleStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// SendLocalList.req updateType.
    public enum UpdateType: String, OCPPClosedEnum {
        case differential = "Differential"
        case full = "Full"
    }

    /// SendLocalList.conf status.
    public enum UpdateStatus: String, OCPPClosedEnum {
        case accepted = "Accepted"
        case failed = "Failed"
        case notSupported = "NotSupported"
        case versionMismatch = "VersionMismatch"
    }

    /// ChargingProfile.chargingProfilePurpose.
    public enum ChargingProfilePurposeType: String, OCPPClosedEnum {
        case chargePointMaxProfile = "ChargePointMaxProfile"
        case txDefaultProfile = "TxDefaultProfile"
        case txProfile = "TxProfile"
    }

    /// ChargingProfile.chargingProfileKind.
    public enum ChargingProfileKindType: String, OCPPClosedEnum {
        case absolute = "Absolute"
        case recurring = "Recurring"
        case relative = "Relative"
    }

    /// ChargingProfile.recurrencyKind.
    public enum RecurrencyKindType: String, OCPPClosedEnum {
        case daily = "Daily"
        case weekly = "Weekly"
    }

    /// ChargingSchedule.chargingRateUnit.
    public enum ChargingRateUnitType: String, OCPPClosedEnum {
        case amperes = "A"
        case watts = "W"
    }
}
