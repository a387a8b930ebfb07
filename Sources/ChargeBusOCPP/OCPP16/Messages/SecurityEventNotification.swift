import Foundation

extension OCPP16 {
    /// SecurityEventNotification (Charge point → CSMS). A security event (OCPP 1.6 security whitepaper).
    public enum SecurityEventNotification {
        public static let action = "SecurityEventNotification"

        /// SecurityEventNotification.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "SecurityEventNotification"
            public typealias Response = SecurityEventNotification.Response

            /// CiString50, e.g. `FirmwareUpdated`, `InvalidCentralSystemCertificate`.
            public var type: String
            public var timestamp: Date
            /// CiString255.
            public var techInfo: String?

            public init(type: String, timestamp: Date, techInfo: String? = nil) {
                self.type = type
                self.timestamp = timestamp
                self.techInfo = techInfo
            }

            enum CodingKeys: String, OCPPCodingKey {
                case type, timestamp, techInfo
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .type: .identifier(50)
                    case .techInfo: .maxLength(255)
                    case .timestamp: .none
                    }
                }
            }
        }

        /// SecurityEventNotification.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
