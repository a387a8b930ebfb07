extension OCPP16 {
    /// GetConfiguration (CSMS → charge point). Reads configuration keys (all when `key` is absent).
    public enum GetConfiguration {
        public static let action = "GetConfiguration"

        /// GetConfiguration.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetConfiguration"
            public typealias Response = GetConfiguration.Response

            /// CiString50 each.
            public var key: [String]?

            public init(key: [String]? = nil) {
                self.key = key
            }

            enum CodingKeys: String, OCPPCodingKey {
                case key
                var constraint: OCPPFieldConstraint { .identifier(50) }
            }
        }

        /// GetConfiguration.conf
        public struct Response: OCPPPayload, Hashable {
            public var configurationKey: [KeyValue]?
            /// CiString50 each.
            public var unknownKey: [String]?

            public init(configurationKey: [KeyValue]? = nil, unknownKey: [String]? = nil) {
                self.configurationKey = configurationKey
                self.unknownKey = unknownKey
            }

            enum CodingKeys: String, OCPPCodingKey {
                case configurationKey, unknownKey
                var constraint: OCPPFieldConstraint { self == .unknownKey ? .identifier(50) : .none }
            }
        }
    }
}
