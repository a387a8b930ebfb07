import Foundation

// The device model: components, variables and their attributes (GetVariables, SetVariables,
// NotifyReport, NotifyEvent). Component and variable names are identifiers: kept whole in
// lenient mode. Names are case insensitive per the spec; these types keep them as sent.

extension OCPP201 {
    /// A physical or logical component, e.g. `OCPPCommCtrlr`, `Connector` on an EVSE.
    public struct ComponentType: Codable, Sendable, Hashable {
        public var evse: EVSEType?
        /// ≤ 50 characters.
        public var name: String
        /// ≤ 50 characters.
        public var instance: String?
        public var customData: CustomDataType?

        public init(name: String, instance: String? = nil, evse: EVSEType? = nil, customData: CustomDataType? = nil) {
            self.name = name
            self.instance = instance
            self.evse = evse
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case evse, name, instance, customData
            var constraint: OCPPFieldConstraint { self == .name || self == .instance ? .identifier(50) : .none }
        }
    }

    /// A variable of a component, e.g. `HeartbeatInterval`, `Problem`.
    public struct VariableType: Codable, Sendable, Hashable {
        /// ≤ 50 characters.
        public var name: String
        /// ≤ 50 characters.
        public var instance: String?
        public var customData: CustomDataType?

        public init(name: String, instance: String? = nil, customData: CustomDataType? = nil) {
            self.name = name
            self.instance = instance
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case name, instance, customData
            var constraint: OCPPFieldConstraint { self == .customData ? .none : .identifier(50) }
        }
    }

    /// One event of NotifyEventRequest: a monitored component-variable changed or a hard-wired
    /// notification (see `OCPP201.problem(from:)` for how problems become faults).
    public struct EventDataType: Codable, Sendable, Hashable {
        public var eventId: Int
        public var timestamp: Date
        public var trigger: EventTriggerEnumType
        /// The eventId of the event that caused this one.
        public var cause: Int?
        /// The variable's Actual value, ≤ 2500 characters.
        public var actualValue: String
        /// The component's technical (error) code, ≤ 50 characters.
        public var techCode: String?
        /// ≤ 500 characters.
        public var techInfo: String?
        /// True when the monitored situation returned to normal.
        public var cleared: Bool?
        /// ≤ 36 characters.
        public var transactionId: String?
        public var component: ComponentType
        public var variableMonitoringId: Int?
        public var eventNotificationType: EventNotificationEnumType
        public var variable: VariableType
        public var customData: CustomDataType?

        public init(eventId: Int, timestamp: Date, trigger: EventTriggerEnumType, cause: Int? = nil, actualValue: String,
                    techCode: String? = nil, techInfo: String? = nil, cleared: Bool? = nil, transactionId: String? = nil,
                    component: ComponentType, variableMonitoringId: Int? = nil, eventNotificationType: EventNotificationEnumType,
                    variable: VariableType, customData: CustomDataType? = nil) {
            self.eventId = eventId
            self.timestamp = timestamp
            self.trigger = trigger
            self.cause = cause
            self.actualValue = actualValue
            self.techCode = techCode
            self.techInfo = techInfo
            self.cleared = cleared
            self.transactionId = transactionId
            self.component = component
            self.variableMonitoringId = variableMonitoringId
            self.eventNotificationType = eventNotificationType
            self.variable = variable
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case eventId, timestamp, trigger, cause, actualValue, techCode, techInfo, cleared, transactionId, component,
                 variableMonitoringId, eventNotificationType, variable, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .actualValue: .identifier(2500)
                case .techCode: .identifier(50)
                case .techInfo: .maxLength(500)
                case .transactionId: .identifier(36)
                case .eventId, .timestamp, .trigger, .cause, .cleared, .component, .variableMonitoringId, .eventNotificationType,
                     .variable, .customData: .none
                }
            }
        }
    }

    /// One variable to read (GetVariablesRequest.getVariableData).
    public struct GetVariableDataType: Codable, Sendable, Hashable {
        /// Absent means Actual.
        public var attributeType: AttributeEnumType?
        public var component: ComponentType
        public var variable: VariableType
        public var customData: CustomDataType?

        public init(attributeType: AttributeEnumType? = nil, component: ComponentType, variable: VariableType,
                    customData: CustomDataType? = nil) {
            self.attributeType = attributeType
            self.component = component
            self.variable = variable
            self.customData = customData
        }
    }

    /// One variable read (GetVariablesResponse.getVariableResult).
    public struct GetVariableResultType: Codable, Sendable, Hashable {
        public var attributeStatus: GetVariableStatusEnumType
        public var attributeStatusInfo: StatusInfoType?
        /// Absent means Actual.
        public var attributeType: AttributeEnumType?
        /// ≤ 2500 characters; absent unless the status is Accepted.
        public var attributeValue: String?
        public var component: ComponentType
        public var variable: VariableType
        public var customData: CustomDataType?

        public init(attributeStatus: GetVariableStatusEnumType, attributeStatusInfo: StatusInfoType? = nil,
                    attributeType: AttributeEnumType? = nil, attributeValue: String? = nil, component: ComponentType,
                    variable: VariableType, customData: CustomDataType? = nil) {
            self.attributeStatus = attributeStatus
            self.attributeStatusInfo = attributeStatusInfo
            self.attributeType = attributeType
            self.attributeValue = attributeValue
            self.component = component
            self.variable = variable
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case attributeStatus, attributeStatusInfo, attributeType, attributeValue, component, variable, customData
            var constraint: OCPPFieldConstraint { self == .attributeValue ? .identifier(2500) : .none }
        }
    }

    /// One variable to set (SetVariablesRequest.setVariableData).
    public struct SetVariableDataType: Codable, Sendable, Hashable {
        /// Absent means Actual.
        public var attributeType: AttributeEnumType?
        /// ≤ 1000 characters.
        public var attributeValue: String
        public var component: ComponentType
        public var variable: VariableType
        public var customData: CustomDataType?

        public init(attributeType: AttributeEnumType? = nil, attributeValue: String, component: ComponentType,
                    variable: VariableType, customData: CustomDataType? = nil) {
            self.attributeType = attributeType
            self.attributeValue = attributeValue
            self.component = component
            self.variable = variable
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case attributeType, attributeValue, component, variable, customData
            var constraint: OCPPFieldConstraint { self == .attributeValue ? .identifier(1000) : .none }
        }
    }

    /// One variable set (SetVariablesResponse.setVariableResult).
    public struct SetVariableResultType: Codable, Sendable, Hashable {
        /// Absent means Actual.
        public var attributeType: AttributeEnumType?
        public var attributeStatus: SetVariableStatusEnumType
        public var component: ComponentType
        public var variable: VariableType
        public var attributeStatusInfo: StatusInfoType?
        public var customData: CustomDataType?

        public init(attributeType: AttributeEnumType? = nil, attributeStatus: SetVariableStatusEnumType, component: ComponentType,
                    variable: VariableType, attributeStatusInfo: StatusInfoType? = nil, customData: CustomDataType? = nil) {
            self.attributeType = attributeType
            self.attributeStatus = attributeStatus
            self.component = component
            self.variable = variable
            self.attributeStatusInfo = attributeStatusInfo
            self.customData = customData
        }
    }

    /// One component-variable of a report (NotifyReportRequest.reportData).
    public struct ReportDataType: Codable, Sendable, Hashable {
        public var component: ComponentType
        public var variable: VariableType
        /// 1…4 elements.
        public var variableAttribute: [VariableAttributeType]
        public var variableCharacteristics: VariableCharacteristicsType?
        public var customData: CustomDataType?

        public init(component: ComponentType, variable: VariableType, variableAttribute: [VariableAttributeType],
                    variableCharacteristics: VariableCharacteristicsType? = nil, customData: CustomDataType? = nil) {
            self.component = component
            self.variable = variable
            self.variableAttribute = variableAttribute
            self.variableCharacteristics = variableCharacteristics
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case component, variable, variableAttribute, variableCharacteristics, customData
            var constraint: OCPPFieldConstraint { self == .variableAttribute ? .items(1, 4) : .none }
        }
    }

    /// One attribute (Actual, Target, MinSet, MaxSet) of a variable.
    public struct VariableAttributeType: Codable, Sendable, Hashable {
        /// Absent means Actual.
        public var type: AttributeEnumType?
        /// ≤ 2500 characters; may only be absent for WriteOnly.
        public var value: String?
        /// Absent means ReadWrite.
        public var mutability: MutabilityEnumType?
        /// Absent means false.
        public var persistent: Bool?
        /// Absent means false.
        public var constant: Bool?
        public var customData: CustomDataType?

        public init(type: AttributeEnumType? = nil, value: String? = nil, mutability: MutabilityEnumType? = nil,
                    persistent: Bool? = nil, constant: Bool? = nil, customData: CustomDataType? = nil) {
            self.type = type
            self.value = value
            self.mutability = mutability
            self.persistent = persistent
            self.constant = constant
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case type, value, mutability, persistent, constant, customData
            var constraint: OCPPFieldConstraint { self == .value ? .identifier(2500) : .none }
        }
    }

    /// Fixed, read-only properties of a variable.
    public struct VariableCharacteristicsType: Codable, Sendable, Hashable {
        /// ≤ 16 characters.
        public var unit: String?
        public var dataType: DataEnumType
        public var minLimit: Double?
        public var maxLimit: Double?
        /// Comma-separated allowed values, ≤ 1000 characters.
        public var valuesList: String?
        public var supportsMonitoring: Bool
        public var customData: CustomDataType?

        public init(unit: String? = nil, dataType: DataEnumType, minLimit: Double? = nil, maxLimit: Double? = nil,
                    valuesList: String? = nil, supportsMonitoring: Bool, customData: CustomDataType? = nil) {
            self.unit = unit
            self.dataType = dataType
            self.minLimit = minLimit
            self.maxLimit = maxLimit
            self.valuesList = valuesList
            self.supportsMonitoring = supportsMonitoring
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case unit, dataType, minLimit, maxLimit, valuesList, supportsMonitoring, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .unit: .identifier(16)
                case .valuesList: .identifier(1000)
                case .dataType, .minLimit, .maxLimit, .supportsMonitoring, .customData: .none
                }
            }
        }
    }
}
