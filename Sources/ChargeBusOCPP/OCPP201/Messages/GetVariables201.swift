extension OCPP201 {
    /// GetVariables (CSMS → charging station). Reads component variables (the 2.0.1 GetConfiguration).
    public enum GetVariables {
        public static let action = "GetVariables"

        /// GetVariablesRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetVariables"
            public typealias Response = GetVariables.Response

            /// At least one element.
            public var getVariableData: [GetVariableDataType]
            public var customData: CustomDataType?

            public init(getVariableData: [GetVariableDataType], customData: CustomDataType? = nil) {
                self.getVariableData = getVariableData
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case getVariableData, customData
                var constraint: OCPPFieldConstraint { self == .getVariableData ? .items(1) : .none }
            }
        }

        /// GetVariablesResponse
        public struct Response: OCPPPayload, Hashable {
            /// At least one element.
            public var getVariableResult: [GetVariableResultType]
            public var customData: CustomDataType?

            public init(getVariableResult: [GetVariableResultType], customData: CustomDataType? = nil) {
                self.getVariableResult = getVariableResult
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case getVariableResult, customData
                var constraint: OCPPFieldConstraint { self == .getVariableResult ? .items(1) : .none }
            }
        }
    }
}
