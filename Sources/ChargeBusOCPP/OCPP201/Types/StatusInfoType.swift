extension OCPP201 {
    /// More information about a response status.
    public struct StatusInfoType: Codable, Sendable, Hashable {
        /// ≤ 20 characters, a predefined code (kept whole in lenient mode).
        public var reasonCode: String
        /// ≤ 512 characters.
        public var additionalInfo: String?
        public var customData: CustomDataType?

        public init(reasonCode: String, additionalInfo: String? = nil, customData: CustomDataType? = nil) {
            self.reasonCode = reasonCode
            self.additionalInfo = additionalInfo
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case reasonCode, additionalInfo, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .reasonCode: .identifier(20)
                case .additionalInfo: .maxLength(512)
                case .customData: .none
                }
            }
        }
    }
}
