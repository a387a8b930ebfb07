extension OCPP201 {
    /// Authorize (Charging station → CSMS). Asks whether an IdToken may charge; the CSMS answers with its IdTokenInfo.
    public enum Authorize {
        public static let action = "Authorize"

        /// AuthorizeRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Authorize"
            public typealias Response = Authorize.Response

            public var idToken: IdTokenType
            /// The ISO 15118 contract certificate chain, PEM, ≤ 5500 characters.
            public var certificate: String?
            /// 1…4 elements.
            public var iso15118CertificateHashData: [OCSPRequestDataType]?
            public var customData: CustomDataType?

            public init(
                idToken: IdTokenType,
                certificate: String? = nil,
                iso15118CertificateHashData: [OCSPRequestDataType]? = nil,
                customData: CustomDataType? = nil
            ) {
                self.idToken = idToken
                self.certificate = certificate
                self.iso15118CertificateHashData = iso15118CertificateHashData
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case idToken, certificate, iso15118CertificateHashData, customData
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .certificate: .identifier(5500)
                    case .iso15118CertificateHashData: .items(1, 4)
                    case .idToken, .customData: .none
                    }
                }
            }
        }

        /// AuthorizeResponse
        public struct Response: OCPPPayload, Hashable {
            public var idTokenInfo: IdTokenInfoType
            public var certificateStatus: AuthorizeCertificateStatusEnumType?
            public var customData: CustomDataType?

            public init(
                idTokenInfo: IdTokenInfoType,
                certificateStatus: AuthorizeCertificateStatusEnumType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.idTokenInfo = idTokenInfo
                self.certificateStatus = certificateStatus
                self.customData = customData
            }
        }
    }
}
