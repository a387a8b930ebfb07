import Foundation

extension OCPP201 {
    /// SecurityEventNotification (Charging station → CSMS). A security event (Part 2 Appendices, security events list).
    public enum SecurityEventNotification {
        public static let action = "SecurityEventNotification"

        /// SecurityEventNotificationRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "SecurityEventNotification"
            public typealias Response = SecurityEventNotification.Response

            /// ≤ 50 characters, e.g. `FirmwareUpdated`, `SettingSystemTime`, `TamperDetectionActivated`.
            public var type: String
            public var timestamp: Date
            /// ≤ 255 characters.
            public var techInfo: String?
            public var customData: CustomDataType?

            public init(type: String, timestamp: Date, techInfo: String? = nil, customData: CustomDataType? = nil) {
                self.type = type
                self.timestamp = timestamp
                self.techInfo = techInfo
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case type, timestamp, techInfo, customData
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .type: .identifier(50)
                    case .techInfo: .maxLength(255)
                    case .timestamp, .customData: .none
                    }
                }
            }
        }

        /// SecurityEventNotificationResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
