extension OCPP16 {
    /// Authorize (Charge point → CSMS). Asks whether an idTag may charge.
    public enum Authorize {
        public static let action = "Authorize"

        /// Authorize.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Authorize"
            public typealias Response = Authorize.Response

            /// IdToken, ≤ 20 characters.
            public var idTag: String

            public init(idTag: String) {
                self.idTag = idTag
            }

            enum CodingKeys: String, OCPPCodingKey {
                case idTag
                var constraint: OCPPFieldConstraint { .identifier(20) }
            }
        }

        /// Authorize.conf
        public struct Response: OCPPPayload, Hashable {
            public var idTagInfo: IdTagInfo

            public init(idTagInfo: IdTagInfo) {
                self.idTagInfo = idTagInfo
            }
        }
    }
}
