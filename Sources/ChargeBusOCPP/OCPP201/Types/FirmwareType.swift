import Foundation

extension OCPP201 {
    /// The firmware to install (UpdateFirmwareRequest.firmware).
    public struct FirmwareType: Codable, Sendable, Hashable {
        /// URI of the firmware, ≤ 512 characters (the schema types it as a plain string).
        public var location: String
        public var retrieveDateTime: Date
        public var installDateTime: Date?
        /// PEM, ≤ 5500 characters.
        public var signingCertificate: String?
        /// Base64, ≤ 800 characters.
        public var signature: String?
        public var customData: CustomDataType?

        public init(location: String, retrieveDateTime: Date, installDateTime: Date? = nil, signingCertificate: String? = nil,
                    signature: String? = nil, customData: CustomDataType? = nil) {
            self.location = location
            self.retrieveDateTime = retrieveDateTime
            self.installDateTime = installDateTime
            self.signingCertificate = signingCertificate
            self.signature = signature
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case location, retrieveDateTime, installDateTime, signingCertificate, signature, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .location: .identifier(512)
                case .signingCertificate: .identifier(5500)
                case .signature: .identifier(800)
                case .retrieveDateTime, .installDateTime, .customData: .none
                }
            }
        }
    }

    /// Where to upload a log and which period it covers (GetLogRequest.log).
    public struct LogParametersType: Codable, Sendable, Hashable {
        /// URL to upload to, ≤ 512 characters.
        public var remoteLocation: String
        public var oldestTimestamp: Date?
        public var latestTimestamp: Date?
        public var customData: CustomDataType?

        public init(remoteLocation: String, oldestTimestamp: Date? = nil, latestTimestamp: Date? = nil,
                    customData: CustomDataType? = nil) {
            self.remoteLocation = remoteLocation
            self.oldestTimestamp = oldestTimestamp
            self.latestTimestamp = latestTimestamp
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case remoteLocation, oldestTimestamp, latestTimestamp, customData
            var constraint: OCPPFieldConstraint { self == .remoteLocation ? .identifier(512) : .none }
        }
    }
}
