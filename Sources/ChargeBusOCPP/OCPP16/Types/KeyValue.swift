extension OCPP16 {
    /// One configuration key of GetConfiguration.conf.
    public struct KeyValue: Codable, Sendable, Hashable {
        /// CiString50.
        public var key: String
        public var readonly: Bool
        /// CiString500.
        public var value: String?

        public init(key: String, readonly: Bool, value: String? = nil) {
            self.key = key
            self.readonly = readonly
            self.value = value
        }

        enum CodingKeys: String, OCPPCodingKey {
            case key, readonly, value
            var constraint: OCPPFieldConstraint {
                switch self {
                case .key: .identifier(50)
                case .readonly: .none
                case .value: .identifier(500)
                }
            }
        }
    }

    /// One entry of SendLocalList.req localAuthorizationList.
    public struct AuthorizationData: Codable, Sendable, Hashable {
        /// IdToken, ≤ 20 characters.
        public var idTag: String
        public var idTagInfo: IdTagInfo?

        public init(idTag: String, idTagInfo: IdTagInfo? = nil) {
            self.idTag = idTag
            self.idTagInfo = idTagInfo
        }

        enum CodingKeys: String, OCPPCodingKey {
            case idTag, idTagInfo
            var constraint: OCPPFieldConstraint { self == .idTag ? .identifier(20) : .none }
        }
    }
}
