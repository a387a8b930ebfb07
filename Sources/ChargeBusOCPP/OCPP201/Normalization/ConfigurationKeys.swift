extension OCPP201 {
    /// A 2.0.1 device model variable addressed by component and variable name (and instances),
    /// written `Component.Variable` (`OCPPCommCtrlr.HeartbeatInterval`); the attribute is Actual.
    public struct ComponentVariable: Sendable, Hashable, CustomStringConvertible {
        public var component: String
        public var variable: String
        public var componentInstance: String?
        public var variableInstance: String?

        public init(component: String, variable: String, componentInstance: String? = nil, variableInstance: String? = nil) {
            self.component = component
            self.variable = variable
            self.componentInstance = componentInstance
            self.variableInstance = variableInstance
        }

        /// `Component.Variable`, with `[instance]` after a name that has one.
        public var description: String {
            let component = componentInstance.map { "\(self.component)[\($0)]" } ?? self.component
            let variable = variableInstance.map { "\(self.variable)[\($0)]" } ?? self.variable
            return "\(component).\(variable)"
        }

        /// Parses `Component.Variable` or `Component[instance].Variable[instance]`; nil for
        /// anything else (no dot, empty names).
        public init?(parsing text: String) {
            func split(_ part: Substring) -> (String, String?)? {
                guard !part.isEmpty else { return nil }
                guard part.hasSuffix("]"), let open = part.firstIndex(of: "[") else {
                    return part.contains("[") || part.contains("]") ? nil : (String(part), nil)
                }
                let name = part[..<open]
                let instance = part[part.index(after: open)..<part.index(before: part.endIndex)]
                guard !name.isEmpty, !instance.isEmpty else { return nil }
                return (String(name), String(instance))
            }
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let component = split(parts[0]), let variable = split(parts[1]) else { return nil }
            self.init(component: component.0, variable: variable.0, componentInstance: component.1, variableInstance: variable.1)
        }

        var componentType: ComponentType { ComponentType(name: component, instance: componentInstance) }
        var variableType: VariableType { VariableType(name: variable, instance: variableInstance) }

        /// Names are case insensitive in 2.0.1.
        func matches(component: ComponentType, variable: VariableType) -> Bool {
            component.name.lowercased() == self.component.lowercased() && variable.name.lowercased() == self.variable.lowercased()
                && component.instance?.lowercased() == componentInstance?.lowercased()
                && variable.instance?.lowercased() == variableInstance?.lowercased()
        }
    }

    /// The 1.6 configuration keys that have a standard 2.0.1 equivalent, and that equivalent.
    ///
    /// | 1.6 key | 2.0.1 component.variable |
    /// |---|---|
    /// | HeartbeatInterval | OCPPCommCtrlr.HeartbeatInterval |
    /// | WebSocketPingInterval | OCPPCommCtrlr.WebSocketPingInterval |
    /// | ResetRetries | OCPPCommCtrlr.ResetRetries |
    /// | TransactionMessageAttempts | OCPPCommCtrlr.MessageAttempts[TransactionEvent] |
    /// | TransactionMessageRetryInterval | OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent] |
    /// | MeterValueSampleInterval | SampledDataCtrlr.TxUpdatedInterval |
    /// | MeterValuesSampledData | SampledDataCtrlr.TxUpdatedMeasurands |
    /// | StopTxnSampledData | SampledDataCtrlr.TxEndedMeasurands |
    /// | ClockAlignedDataInterval | AlignedDataCtrlr.Interval |
    /// | MeterValuesAlignedData | AlignedDataCtrlr.Measurands |
    /// | StopTxnAlignedData | AlignedDataCtrlr.TxEndedMeasurands |
    /// | ConnectionTimeOut | TxCtrlr.EVConnectionTimeOut |
    /// | StopTransactionOnEVSideDisconnect | TxCtrlr.StopTxOnEVSideDisconnect |
    /// | StopTransactionOnInvalidId | TxCtrlr.StopTxOnInvalidId |
    /// | MaxEnergyOnInvalidId | TxCtrlr.MaxEnergyOnInvalidId |
    /// | LocalPreAuthorize | AuthCtrlr.LocalPreAuthorize |
    /// | LocalAuthorizeOffline | AuthCtrlr.LocalAuthorizeOffline |
    /// | AuthorizeRemoteTxRequests | AuthCtrlr.AuthorizeRemoteStart |
    /// | AllowOfflineTxForUnknownId | AuthCtrlr.OfflineTxForUnknownIdEnabled |
    /// | AuthorizationCacheEnabled | AuthCacheCtrlr.Enabled |
    /// | LocalAuthListEnabled | LocalAuthListCtrlr.Enabled |
    /// | SendLocalListMaxLength | LocalAuthListCtrlr.ItemsPerMessage |
    /// | ReserveConnectorZeroSupported | ReservationCtrlr.NonEvseSpecific |
    /// | ChargeProfileMaxStackLevel | SmartChargingCtrlr.ProfileStackLevel |
    /// | ChargingScheduleAllowedChargingRateUnit | SmartChargingCtrlr.RateUnit |
    /// | ChargingScheduleMaxPeriods | SmartChargingCtrlr.PeriodsPerSchedule |
    /// | GetConfigurationMaxKeys | DeviceDataCtrlr.ItemsPerMessage[GetVariables] |
    /// | SecurityProfile | SecurityCtrlr.SecurityProfile |
    /// | AuthorizationKey | SecurityCtrlr.BasicAuthPassword |
    /// | CpoName | SecurityCtrlr.OrganizationName |
    ///
    /// Value formats mostly carry over (integers, booleans, comma-separated measurand lists);
    /// `ChargingScheduleAllowedChargingRateUnit` (`Current`,`Power`) and `RateUnit` (`A`,`W`) differ
    /// and are passed as they are.
    public static let configurationKeyMap: [String: ComponentVariable] = [
        "HeartbeatInterval": .init(component: "OCPPCommCtrlr", variable: "HeartbeatInterval"),
        "WebSocketPingInterval": .init(component: "OCPPCommCtrlr", variable: "WebSocketPingInterval"),
        "ResetRetries": .init(component: "OCPPCommCtrlr", variable: "ResetRetries"),
        "TransactionMessageAttempts": .init(component: "OCPPCommCtrlr", variable: "MessageAttempts", variableInstance: "TransactionEvent"),
        "TransactionMessageRetryInterval": .init(component: "OCPPCommCtrlr", variable: "MessageAttemptInterval",
                                                 variableInstance: "TransactionEvent"),
        "MeterValueSampleInterval": .init(component: "SampledDataCtrlr", variable: "TxUpdatedInterval"),
        "MeterValuesSampledData": .init(component: "SampledDataCtrlr", variable: "TxUpdatedMeasurands"),
        "StopTxnSampledData": .init(component: "SampledDataCtrlr", variable: "TxEndedMeasurands"),
        "ClockAlignedDataInterval": .init(component: "AlignedDataCtrlr", variable: "Interval"),
        "MeterValuesAlignedData": .init(component: "AlignedDataCtrlr", variable: "Measurands"),
        "StopTxnAlignedData": .init(component: "AlignedDataCtrlr", variable: "TxEndedMeasurands"),
        "ConnectionTimeOut": .init(component: "TxCtrlr", variable: "EVConnectionTimeOut"),
        "StopTransactionOnEVSideDisconnect": .init(component: "TxCtrlr", variable: "StopTxOnEVSideDisconnect"),
        "StopTransactionOnInvalidId": .init(component: "TxCtrlr", variable: "StopTxOnInvalidId"),
        "MaxEnergyOnInvalidId": .init(component: "TxCtrlr", variable: "MaxEnergyOnInvalidId"),
        "LocalPreAuthorize": .init(component: "AuthCtrlr", variable: "LocalPreAuthorize"),
        "LocalAuthorizeOffline": .init(component: "AuthCtrlr", variable: "LocalAuthorizeOffline"),
        "AuthorizeRemoteTxRequests": .init(component: "AuthCtrlr", variable: "AuthorizeRemoteStart"),
        "AllowOfflineTxForUnknownId": .init(component: "AuthCtrlr", variable: "OfflineTxForUnknownIdEnabled"),
        "AuthorizationCacheEnabled": .init(component: "AuthCacheCtrlr", variable: "Enabled"),
        "LocalAuthListEnabled": .init(component: "LocalAuthListCtrlr", variable: "Enabled"),
        "SendLocalListMaxLength": .init(component: "LocalAuthListCtrlr", variable: "ItemsPerMessage"),
        "ReserveConnectorZeroSupported": .init(component: "ReservationCtrlr", variable: "NonEvseSpecific"),
        "ChargeProfileMaxStackLevel": .init(component: "SmartChargingCtrlr", variable: "ProfileStackLevel"),
        "ChargingScheduleAllowedChargingRateUnit": .init(component: "SmartChargingCtrlr", variable: "RateUnit"),
        "ChargingScheduleMaxPeriods": .init(component: "SmartChargingCtrlr", variable: "PeriodsPerSchedule"),
        "GetConfigurationMaxKeys": .init(component: "DeviceDataCtrlr", variable: "ItemsPerMessage", variableInstance: "GetVariables"),
        "SecurityProfile": .init(component: "SecurityCtrlr", variable: "SecurityProfile"),
        "AuthorizationKey": .init(component: "SecurityCtrlr", variable: "BasicAuthPassword"),
        "CpoName": .init(component: "SecurityCtrlr", variable: "OrganizationName"),
    ]

    private static let configurationKeysLowercased: [String: ComponentVariable] = Dictionary(
        uniqueKeysWithValues: configurationKeyMap.map { ($0.key.lowercased(), $0.value) })

    /// The 2.0.1 variable for a 1.6 configuration key (matched ignoring case, as 1.6 keys are
    /// CiStrings). A key written `Component.Variable` addresses that variable directly, so
    /// 2.0.1-only variables stay reachable through the 1.6-style commands. Nil: no equivalent.
    public static func componentVariable(forConfigurationKey key: String) -> ComponentVariable? {
        if let mapped = configurationKeysLowercased[key.lowercased()] { return mapped }
        return ComponentVariable(parsing: key)
    }

    /// The 1.6 configuration key for a 2.0.1 variable (names matched ignoring case); nil when
    /// the variable has no 1.6 equivalent.
    public static func configurationKey(for component: ComponentType, _ variable: VariableType) -> String? {
        configurationKeyMap.first { $0.value.matches(component: component, variable: variable) }?.key
    }

    /// `configurationKey(for:_:)`, else the variable written `Component.Variable`.
    public static func configurationKeyOrName(for component: ComponentType, _ variable: VariableType) -> String {
        configurationKey(for: component, variable)
            ?? ComponentVariable(component: component.name, variable: variable.name, componentInstance: component.instance,
                                 variableInstance: variable.instance).description
    }
}
