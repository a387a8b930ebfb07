import ChargeBusContract

extension OCPP16 {
    /// DataTransfer (Either direction). Vendor-specific data exchange.
    public enum DataTransfer {
        public static let action = "DataTransfer"

        /// DataTransfer.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "DataTransfer"
            public typealias Response = DataTransfer.Response

            /// CiString255.
            public var vendorId: String
            /// CiString50.
            public var messageId: String?
            /// Text without specified length or format. The schema types it as a string; strict mode requires one, lenient mode accepts any JSON (some chargers send objects).
            public var data: JSONValue?

            public init(vendorId: String, messageId: String? = nil, data: JSONValue? = nil) {
                self.vendorId = vendorId
                self.messageId = messageId
                self.data = data
            }

            enum CodingKeys: String, OCPPCodingKey {
                case vendorId, messageId, data
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .vendorId: .identifier(255)
                    case .messageId: .identifier(50)
                    case .data: .text
                    }
                }
            }
        }

        /// DataTransfer.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: DataTransferStatus
            /// As in the request: a string in strict mode, any JSON in lenient mode.
            public var data: JSONValue?

            public init(status: DataTransferStatus, data: JSONValue? = nil) {
                self.status = status
                self.data = data
            }

            enum CodingKeys: String, OCPPCodingKey {
                case status, data
                var constraint: OCPPFieldConstraint { self == .data ? .text : .none }
            }
        }
    }
}
