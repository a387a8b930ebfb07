extension OCPP16 {
    /// ChangeConfiguration (CSMS → charge point). Sets one configuration key.
    public enum ChangeConfiguration {
        public static let action = "ChangeConfiguration"

        /// ChangeConfiguration.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ChangeConfiguration"
            public typealias Response = ChangeConfiguration.Response

            /// CiString50.
            public var key: String
            /// CiString500.
            public var value: String

            public init(key: String, value: String) {
                self.key = key
                self.value = value
            }

            enum CodingKeys: String, OCPPCodingKey {
                case key, value
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .key: .identifier(50)
                    case .value: .identifier(500)
                    }
                }
            }
        }

        /// ChangeConfiguration.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ConfigurationStatus

            public init(status: ConfigurationStatus) {
                self.status = status
            }
        }
    }
}
