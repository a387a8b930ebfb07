import Foundation

extension OCPP201 {
    /// An identifier used for authorization, with its type.
    public struct IdTokenType: Codable, Sendable, Hashable {
        /// ≤ 36 characters, case insensitive; kept whole in lenient mode.
        public var idToken: String
        public var type: IdTokenEnumType
        /// At least one element when present.
        public var additionalInfo: [AdditionalInfoType]?
        public var customData: CustomDataType?

        public init(idToken: String, type: IdTokenEnumType, additionalInfo: [AdditionalInfoType]? = nil,
                    customData: CustomDataType? = nil) {
            self.idToken = idToken
            self.type = type
            self.additionalInfo = additionalInfo
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case idToken, type, additionalInfo, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .idToken: .identifier(36)
                case .additionalInfo: .items(1)
                case .type, .customData: .none
                }
            }
        }
    }

    /// An additional identifier of an IdTokenType.
    public struct AdditionalInfoType: Codable, Sendable, Hashable {
        /// ≤ 36 characters.
        public var additionalIdToken: String
        /// ≤ 50 characters, a custom type.
        public var type: String
        public var customData: CustomDataType?

        public init(additionalIdToken: String, type: String, customData: CustomDataType? = nil) {
            self.additionalIdToken = additionalIdToken
            self.type = type
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case additionalIdToken, type, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .additionalIdToken: .identifier(36)
                case .type: .identifier(50)
                case .customData: .none
                }
            }
        }
    }

    /// Status information about an IdToken (AuthorizeResponse, TransactionEventResponse).
    public struct IdTokenInfoType: Codable, Sendable, Hashable {
        public var status: AuthorizationStatusEnumType
        public var cacheExpiryDateTime: Date?
        /// −9…9, default 0.
        public var chargingPriority: Int?
        /// ≤ 8 characters, RFC 5646.
        public var language1: String?
        /// The EVSEs the token is valid for; at least one element when present.
        public var evseId: [Int]?
        public var groupIdToken: IdTokenType?
        /// ≤ 8 characters, RFC 5646.
        public var language2: String?
        public var personalMessage: MessageContentType?
        public var customData: CustomDataType?

        public init(status: AuthorizationStatusEnumType, cacheExpiryDateTime: Date? = nil, chargingPriority: Int? = nil,
                    language1: String? = nil, evseId: [Int]? = nil, groupIdToken: IdTokenType? = nil, language2: String? = nil,
                    personalMessage: MessageContentType? = nil, customData: CustomDataType? = nil) {
            self.status = status
            self.cacheExpiryDateTime = cacheExpiryDateTime
            self.chargingPriority = chargingPriority
            self.language1 = language1
            self.evseId = evseId
            self.groupIdToken = groupIdToken
            self.language2 = language2
            self.personalMessage = personalMessage
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case status, cacheExpiryDateTime, chargingPriority, language1, evseId, groupIdToken, language2, personalMessage, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .language1, .language2: .maxLength(8)
                case .evseId: .items(1)
                case .status, .cacheExpiryDateTime, .chargingPriority, .groupIdToken, .personalMessage, .customData: .none
                }
            }
        }
    }

    /// A message to show to the driver.
    public struct MessageContentType: Codable, Sendable, Hashable {
        public var format: MessageFormatEnumType
        /// ≤ 8 characters, RFC 5646.
        public var language: String?
        /// ≤ 512 characters.
        public var content: String
        public var customData: CustomDataType?

        public init(format: MessageFormatEnumType, language: String? = nil, content: String, customData: CustomDataType? = nil) {
            self.format = format
            self.language = language
            self.content = content
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case format, language, content, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .language: .maxLength(8)
                case .content: .maxLength(512)
                case .format, .customData: .none
                }
            }
        }
    }

    /// Hash data of an ISO 15118 certificate for an OCSP check (AuthorizeRequest).
    public struct OCSPRequestDataType: Codable, Sendable, Hashable {
        public var hashAlgorithm: HashAlgorithmEnumType
        /// ≤ 128 characters.
        public var issuerNameHash: String
        /// ≤ 128 characters.
        public var issuerKeyHash: String
        /// ≤ 40 characters.
        public var serialNumber: String
        /// ≤ 512 characters.
        public var responderURL: String
        public var customData: CustomDataType?

        public init(hashAlgorithm: HashAlgorithmEnumType, issuerNameHash: String, issuerKeyHash: String, serialNumber: String,
                    responderURL: String, customData: CustomDataType? = nil) {
            self.hashAlgorithm = hashAlgorithm
            self.issuerNameHash = issuerNameHash
            self.issuerKeyHash = issuerKeyHash
            self.serialNumber = serialNumber
            self.responderURL = responderURL
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .issuerNameHash, .issuerKeyHash: .identifier(128)
                case .serialNumber: .identifier(40)
                case .responderURL: .identifier(512)
                case .hashAlgorithm, .customData: .none
                }
            }
        }
    }
}
