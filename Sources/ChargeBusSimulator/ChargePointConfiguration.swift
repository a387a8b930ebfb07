import ChargeBusContract

/// The OCPP 1.6 configuration keys a simulated charge point exposes to GetConfiguration / ChangeConfiguration.
/// Typed fields rather than a string dictionary keep 10,000 chargers small.
public struct ChargePointConfiguration: Sendable, Hashable {
    public var heartbeatInterval: Int
    public var meterValueSampleInterval: Int
    public var clockAlignedDataInterval = 0
    public var connectionTimeOut = 60
    public var meterValuesSampledData: String
    public var meterValuesAlignedData = "Energy.Active.Import.Register"
    public var stopTxnSampledData = "Energy.Active.Import.Register"
    public var stopTxnAlignedData = ""
    public var authorizeRemoteTxRequests = false
    public var localAuthorizeOffline = true
    public var localPreAuthorize = false
    public var stopTransactionOnEVSideDisconnect = true
    public var stopTransactionOnInvalidId = true
    public var unlockConnectorOnEVSideDisconnect = true
    public var resetRetries = 3
    public var transactionMessageAttempts = 3
    public var transactionMessageRetryInterval = 60
    public var webSocketPingInterval = 0
    public var lightIntensity = 80
    public let numberOfConnectors: Int

    public enum ChangeResult: String, Sendable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case rebootRequired = "RebootRequired"
        case notSupported = "NotSupported"
    }

    public init(connectors: Int, heartbeatInterval: Int, meterValueSampleInterval: Int, hasSoC: Bool) {
        self.numberOfConnectors = connectors
        self.heartbeatInterval = heartbeatInterval
        self.meterValueSampleInterval = meterValueSampleInterval
        self.meterValuesSampledData = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage"
            + (hasSoC ? ",SoC" : "")
    }

    /// All keys as `(key, readonly, value)`, in a stable order.
    public var entries: [(key: String, readonly: Bool, value: String)] {
        [
            ("AuthorizeRemoteTxRequests", false, String(authorizeRemoteTxRequests)),
            ("ClockAlignedDataInterval", false, String(clockAlignedDataInterval)),
            ("ConnectionTimeOut", false, String(connectionTimeOut)),
            ("GetConfigurationMaxKeys", true, "50"),
            ("HeartbeatInterval", false, String(heartbeatInterval)),
            ("LightIntensity", false, String(lightIntensity)),
            ("LocalAuthorizeOffline", false, String(localAuthorizeOffline)),
            ("LocalPreAuthorize", false, String(localPreAuthorize)),
            ("MeterValueSampleInterval", false, String(meterValueSampleInterval)),
            ("MeterValuesAlignedData", false, meterValuesAlignedData),
            ("MeterValuesSampledData", false, meterValuesSampledData),
            ("NumberOfConnectors", true, String(numberOfConnectors)),
            ("ResetRetries", false, String(resetRetries)),
            ("StopTransactionOnEVSideDisconnect", false, String(stopTransactionOnEVSideDisconnect)),
            ("StopTransactionOnInvalidId", false, String(stopTransactionOnInvalidId)),
            ("StopTxnAlignedData", false, stopTxnAlignedData),
            ("StopTxnSampledData", false, stopTxnSampledData),
            ("SupportedFeatureProfiles", true, "Core,FirmwareManagement,RemoteTrigger"),
            ("TransactionMessageAttempts", false, String(transactionMessageAttempts)),
            ("TransactionMessageRetryInterval", false, String(transactionMessageRetryInterval)),
            ("UnlockConnectorOnEVSideDisconnect", false, String(unlockConnectorOnEVSideDisconnect)),
            ("WebSocketPingInterval", false, String(webSocketPingInterval)),
        ]
    }

    /// The GetConfiguration.conf payload for `keys` (all keys when empty); unknown keys are listed in `unknownKey`.
    public func getConfigurationResponse(keys: [String]) -> JSONValue {
        let all = entries
        func entry(_ item: (key: String, readonly: Bool, value: String)) -> JSONValue {
            .object(["key": .string(item.key), "readonly": .bool(item.readonly), "value": .string(item.value)])
        }
        if keys.isEmpty {
            return .object(["configurationKey": .array(all.map(entry))])
        }
        var known: [JSONValue] = []
        var unknown: [JSONValue] = []
        for key in keys {
            if let item = all.first(where: { $0.key == key }) {
                known.append(entry(item))
            } else {
                unknown.append(.string(key))
            }
        }
        var payload: [String: JSONValue] = ["configurationKey": .array(known)]
        if !unknown.isEmpty { payload["unknownKey"] = .array(unknown) }
        return .object(payload)
    }

    /// Applies ChangeConfiguration: `NotSupported` for unknown keys, `Rejected` for read-only keys or values of the
    /// wrong type/range.
    public mutating func change(key: String, value: String) -> ChangeResult {
        func integer(_ range: ClosedRange<Int>, _ apply: (inout ChargePointConfiguration, Int) -> Void) -> ChangeResult {
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(number) else { return .rejected }
            apply(&self, number)
            return .accepted
        }
        func boolean(_ apply: (inout ChargePointConfiguration, Bool) -> Void) -> ChangeResult {
            switch value.lowercased() {
            case "true": apply(&self, true)
            case "false": apply(&self, false)
            default: return .rejected
            }
            return .accepted
        }
        func measurands(_ apply: (inout ChargePointConfiguration, String) -> Void) -> ChangeResult {
            let supported: Set<String> = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "SoC"]
            let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard items.allSatisfy(supported.contains) else { return .rejected }
            apply(&self, items.joined(separator: ","))
            return .accepted
        }
        switch key {
        case "HeartbeatInterval": return integer(0...86_400) { $0.heartbeatInterval = $1 }
        case "MeterValueSampleInterval": return integer(0...86_400) { $0.meterValueSampleInterval = $1 }
        case "ClockAlignedDataInterval": return integer(0...86_400) { $0.clockAlignedDataInterval = $1 }
        case "ConnectionTimeOut": return integer(0...3_600) { $0.connectionTimeOut = $1 }
        case "ResetRetries": return integer(0...10) { $0.resetRetries = $1 }
        case "TransactionMessageAttempts": return integer(0...10) { $0.transactionMessageAttempts = $1 }
        case "TransactionMessageRetryInterval": return integer(0...86_400) { $0.transactionMessageRetryInterval = $1 }
        case "WebSocketPingInterval": return integer(0...86_400) { $0.webSocketPingInterval = $1 }
        case "LightIntensity": return integer(0...100) { $0.lightIntensity = $1 }
        case "AuthorizeRemoteTxRequests": return boolean { $0.authorizeRemoteTxRequests = $1 }
        case "LocalAuthorizeOffline": return boolean { $0.localAuthorizeOffline = $1 }
        case "LocalPreAuthorize": return boolean { $0.localPreAuthorize = $1 }
        case "StopTransactionOnEVSideDisconnect": return boolean { $0.stopTransactionOnEVSideDisconnect = $1 }
        case "StopTransactionOnInvalidId": return boolean { $0.stopTransactionOnInvalidId = $1 }
        case "UnlockConnectorOnEVSideDisconnect": return boolean { $0.unlockConnectorOnEVSideDisconnect = $1 }
        case "MeterValuesSampledData": return measurands { $0.meterValuesSampledData = $1 }
        case "MeterValuesAlignedData": return measurands { $0.meterValuesAlignedData = $1 }
        case "StopTxnSampledData": return measurands { $0.stopTxnSampledData = $1 }
        case "StopTxnAlignedData": return measurands { $0.stopTxnAlignedData = $1 }
        case "NumberOfConnectors", "SupportedFeatureProfiles", "GetConfigurationMaxKeys": return .rejected
        default: return .notSupported
        }
    }
}
