import ChargeBusContract

extension OCPP201 {
    /// DataTransfer (Either direction). Vendor-specific data exchange.
    public enum DataTransfer {
        public static let action = "DataTransfer"

        /// DataTransferRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "DataTransfer"
            public typealias Response = DataTransfer.Response

            /// ≤ 50 characters.
            public var messageId: String?
            /// Any JSON: the 2.0.1 schema gives `data` no type (1.6 required a string).
            public var data: JSONValue?
            /// ≤ 255 characters.
            public var vendorId: String
            public var customData: CustomDataType?

            public init(
                messageId: String? = nil,
                data: JSONValue? = nil,
                vendorId: String,
                customData: CustomDataType? = nil
            ) {
                self.messageId = messageId
                self.data = data
                self.vendorId = vendorId
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case messageId, data, vendorId, customData
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .messageId: .identifier(50)
                    case .vendorId: .identifier(255)
                    case .data, .customData: .none
                    }
                }
            }
        }

        /// DataTransferResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: DataTransferStatusEnumType
            public var statusInfo: StatusInfoType?
            /// Any JSON.
            public var data: JSONValue?
            public var customData: CustomDataType?

            public init(
                status: DataTransferStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                data: JSONValue? = nil,
                customData: CustomDataType? = nil
            ) {
                self.status = status
                self.statusInfo = statusInfo
                self.data = data
                self.customData = customData
            }
        }
    }
}
