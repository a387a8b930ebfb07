extension OCPP201 {
    /// SetVariables (CSMS → charging station). Sets component variables (the 2.0.1 ChangeConfiguration).
    public enum SetVariables {
        public static let action = "SetVariables"

        /// SetVariablesRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "SetVariables"
            public typealias Response = SetVariables.Response

            /// At least one element.
            public var setVariableData: [SetVariableDataType]
            public var customData: CustomDataType?

            public init(setVariableData: [SetVariableDataType], customData: CustomDataType? = nil) {
                self.setVariableData = setVariableData
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case setVariableData, customData
                var constraint: OCPPFieldConstraint { self == .setVariableData ? .items(1) : .none }
            }
        }

        /// SetVariablesResponse
        public struct Response: OCPPPayload, Hashable {
            /// At least one element.
            public var setVariableResult: [SetVariableResultType]
            public var customData: CustomDataType?

            public init(setVariableResult: [SetVariableResultType], customData: CustomDataType? = nil) {
                self.setVariableResult = setVariableResult
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case setVariableResult, customData
                var constraint: OCPPFieldConstraint { self == .setVariableResult ? .items(1) : .none }
            }
        }
    }
}
