extension OCPP201 {
    /// RequestStopTransaction (CSMS → charging station). Asks the station to stop a transaction (the 2.0.1 RemoteStopTransaction).
    public enum RequestStopTransaction {
        public static let action = "RequestStopTransaction"

        /// RequestStopTransactionRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "RequestStopTransaction"
            public typealias Response = RequestStopTransaction.Response

            /// ≤ 36 characters.
            public var transactionId: String
            public var customData: CustomDataType?

            public init(transactionId: String, customData: CustomDataType? = nil) {
                self.transactionId = transactionId
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case transactionId, customData
                var constraint: OCPPFieldConstraint { self == .transactionId ? .identifier(36) : .none }
            }
        }

        /// RequestStopTransactionResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: RequestStartStopStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: RequestStartStopStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.status = status
                self.statusInfo = statusInfo
                self.customData = customData
            }
        }
    }
}
