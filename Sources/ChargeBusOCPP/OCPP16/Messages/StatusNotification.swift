import Foundation

extension OCPP16 {
    /// StatusNotification (Charge point → CSMS). Status or error of a connector (0: the charge point itself).
    public enum StatusNotification {
        public static let action = "StatusNotification"

        /// StatusNotification.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "StatusNotification"
            public typealias Response = StatusNotification.Response

            /// ≥ 0; 0 is the charge point main controller.
            public var connectorId: Int
            /// Lenient mode maps unknown codes to `otherError`.
            public var errorCode: ChargePointErrorCode
            /// CiString50. Lenient mode treats `"null"` as absent.
            public var info: String?
            public var status: ChargePointStatus
            /// Absent: the time of receipt.
            public var timestamp: Date?
            /// CiString255.
            public var vendorId: String?
            /// CiString50.
            public var vendorErrorCode: String?

            public init(
                connectorId: Int,
                errorCode: ChargePointErrorCode,
                info: String? = nil,
                status: ChargePointStatus,
                timestamp: Date? = nil,
                vendorId: String? = nil,
                vendorErrorCode: String? = nil
            ) {
                self.connectorId = connectorId
                self.errorCode = errorCode
                self.info = info
                self.status = status
                self.timestamp = timestamp
                self.vendorId = vendorId
                self.vendorErrorCode = vendorErrorCode
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, errorCode, info, status, timestamp, vendorId, vendorErrorCode
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .connectorId: .minimum(0)
                    case .info: .maxLength(50)
                    case .vendorId: .identifier(255)
                    case .vendorErrorCode: .identifier(50)
                    case .errorCode, .status, .timestamp: .none
                    }
                }
            }
        }

        /// StatusNotification.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
