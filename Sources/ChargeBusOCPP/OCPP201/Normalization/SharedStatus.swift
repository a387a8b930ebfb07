extension OCPP201 {
    /// The shared connector status (the OCPP 1.6 ChargePointStatus vocabulary of
    /// `connectors/{n}/status`) of a 2.0.1 connector.
    ///
    /// 2.0.1 splits what 1.6 reports in one StatusNotification: the connector's status
    /// (StatusNotificationRequest.connectorStatus) and the transaction's charging state
    /// (TransactionEventRequest.transactionInfo.chargingState, the last one reported).
    ///
    /// - Parameters:
    ///   - hasTransaction: a transaction is ongoing on the connector's EVSE (a `Started` or
    ///     `Updated` TransactionEvent was received and no `Ended` yet).
    ///   - transactionEnded: the EVSE's last transaction has ended (`Ended` received) and the
    ///     connector has stayed Occupied since, i.e. the cable is still plugged in. The bridge
    ///     clears it when the connector becomes Available again.
    ///
    /// | connectorStatus | chargingState | transaction | shared status |
    /// |---|---|---|---|
    /// | Available | any | any | Available |
    /// | Reserved | any | any | Reserved |
    /// | Unavailable | any | any | Unavailable |
    /// | Faulted | any | any | Faulted |
    /// | Occupied | Charging | any | Charging |
    /// | Occupied | SuspendedEV | any | SuspendedEV |
    /// | Occupied | SuspendedEVSE | any | SuspendedEVSE |
    /// | Occupied | EVConnected | ended, none ongoing | Finishing |
    /// | Occupied | EVConnected | otherwise (none yet, or not yet energy) | Preparing |
    /// | Occupied | Idle | ongoing, or ended | Finishing |
    /// | Occupied | Idle | none | Preparing |
    /// | Occupied | (none reported) | ongoing | Charging |
    /// | Occupied | (none reported) | ended, none ongoing | Finishing |
    /// | Occupied | (none reported) | none | Preparing |
    ///
    /// Idle means no EV is connected to the EVSE: on an occupied connector with a transaction
    /// (ongoing or just ended) the session is winding down, which 1.6 calls Finishing.
    public static func sharedStatus(connectorStatus: ConnectorStatusEnumType, chargingState: ChargingStateEnumType?,
                                    hasTransaction: Bool, transactionEnded: Bool = false) -> String {
        switch connectorStatus {
        case .available: return "Available"
        case .reserved: return "Reserved"
        case .unavailable: return "Unavailable"
        case .faulted: return "Faulted"
        case .occupied:
            let ended = transactionEnded && !hasTransaction
            switch chargingState {
            case .charging: return "Charging"
            case .suspendedEV: return "SuspendedEV"
            case .suspendedEVSE: return "SuspendedEVSE"
            case .evConnected: return ended ? "Finishing" : "Preparing"
            case .idle: return hasTransaction || transactionEnded ? "Finishing" : "Preparing"
            case nil: return hasTransaction ? "Charging" : ended ? "Finishing" : "Preparing"
            }
        }
    }

    /// The shared stop reason (the 1.6 Reason vocabulary of the `transactions` topic) of a
    /// 2.0.1 TransactionType.stoppedReason. Absent means Local, as in 1.6.
    ///
    /// | 2.0.1 stoppedReason | shared reason |
    /// |---|---|
    /// | DeAuthorized, EmergencyStop, EVDisconnected, Local, Other, PowerLoss, Reboot, Remote | the same |
    /// | ImmediateReset | HardReset |
    /// | MasterPass | Local |
    /// | EnergyLimitReached, GroundFault, LocalOutOfCredit, OvercurrentFault, PowerQuality, SOCLimitReached, StoppedByEV, TimeLimitReached, Timeout | Other |
    /// | (absent) | Local |
    public static func sharedStopReason(_ reason: ReasonEnumType?) -> String {
        guard let reason else { return "Local" }
        switch reason {
        case .deAuthorized, .emergencyStop, .evDisconnected, .local, .other, .powerLoss, .reboot, .remote: return reason.rawValue
        case .immediateReset: return "HardReset"
        case .masterPass: return "Local"
        case .energyLimitReached, .groundFault, .localOutOfCredit, .overcurrentFault, .powerQuality, .socLimitReached,
             .stoppedByEV, .timeLimitReached, .timeout:
            return "Other"
        }
    }

    /// The shared id tag status (1.6 AuthorizationStatus vocabulary: Accepted, Blocked, Expired,
    /// Invalid, ConcurrentTx) of a 2.0.1 AuthorizationStatusEnumType: the five common values
    /// map to themselves, NoCredit, NotAllowedTypeEVSE, NotAtThisLocation, NotAtThisTime and
    /// Unknown to Invalid.
    public static func sharedAuthorizationStatus(_ status: AuthorizationStatusEnumType) -> String {
        switch status {
        case .accepted, .blocked, .concurrentTx, .expired, .invalid: status.rawValue
        case .noCredit, .notAllowedTypeEVSE, .notAtThisLocation, .notAtThisTime, .unknown: "Invalid"
        }
    }

    /// The 2.0.1 IdTokenInfoType answering an Authorize (or a TransactionEvent with an idToken)
    /// from the bridge's 1.6 id tag check: the same status, `expiryDate` as
    /// `cacheExpiryDateTime`, `parentIdTag` as a `groupIdToken` of type Central.
    public static func idTokenInfo(from info: OCPP16.IdTagInfo) -> IdTokenInfoType {
        let status = AuthorizationStatusEnumType(rawValue: info.status.rawValue) ?? .invalid
        return IdTokenInfoType(status: status, cacheExpiryDateTime: info.expiryDate,
                               groupIdToken: info.parentIdTag.map { IdTokenType(idToken: $0, type: .central) })
    }

    /// The bus connector number (`connectors/{n}`) of a 2.0.1 EVSE: the EVSE id. ChargeBus maps
    /// each EVSE to one bus connector (2.0.1 stations have one usable connector per EVSE);
    /// 0 is the station itself, as in 1.6.
    public static func busConnector(evseId: Int) -> Int { evseId }
}

extension OCPP201 {
    /// The 1.6 FirmwareStatus vocabulary (Downloaded, DownloadFailed, Downloading, Idle,
    /// InstallationFailed, Installing, Installed) of a 2.0.1 firmware status, for consumers
    /// that treat both versions alike; the `firmware-status` event can carry both.
    ///
    /// | 2.0.1 | 1.6 |
    /// |---|---|
    /// | Downloaded, DownloadFailed, Downloading, Idle, InstallationFailed, Installing, Installed | the same |
    /// | DownloadScheduled | Idle |
    /// | DownloadPaused | Downloading |
    /// | SignatureVerified, InstallScheduled | Downloaded |
    /// | InstallRebooting | Installing |
    /// | InstallVerificationFailed, InvalidSignature | InstallationFailed |
    public static func sharedFirmwareStatus(_ status: FirmwareStatusEnumType) -> String {
        switch status {
        case .downloaded, .downloadFailed, .downloading, .idle, .installationFailed, .installing, .installed: status.rawValue
        case .downloadScheduled: "Idle"
        case .downloadPaused: "Downloading"
        case .signatureVerified, .installScheduled: "Downloaded"
        case .installRebooting: "Installing"
        case .installVerificationFailed, .invalidSignature: "InstallationFailed"
        }
    }

    /// The 1.6 DiagnosticsStatus vocabulary (Idle, Uploaded, UploadFailed, Uploading) of a 2.0.1
    /// log upload status (LogStatusNotification, answering GetLog, the 2.0.1 GetDiagnostics).
    ///
    /// | 2.0.1 | 1.6 |
    /// |---|---|
    /// | Idle, Uploaded, Uploading | the same |
    /// | UploadFailure, BadMessage, NotSupportedOperation, PermissionDenied | UploadFailed |
    /// | AcceptedCanceled | Uploading (a new upload replaced an ongoing one) |
    public static func sharedDiagnosticsStatus(_ status: UploadLogStatusEnumType) -> String {
        switch status {
        case .idle, .uploaded, .uploading: status.rawValue
        case .uploadFailure, .badMessage, .notSupportedOperation, .permissionDenied: "UploadFailed"
        case .acceptedCanceled: "Uploading"
        }
    }
}
