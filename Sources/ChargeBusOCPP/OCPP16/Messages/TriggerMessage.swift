extension OCPP16 {
    /// TriggerMessage (CSMS → charge point). Asks the charge point to send a message now.
    public enum TriggerMessage {
        public static let action = "TriggerMessage"

        /// TriggerMessage.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "TriggerMessage"
            public typealias Response = TriggerMessage.Response

            public var requestedMessage: MessageTrigger
            /// > 0; only when the request is for one connector.
            public var connectorId: Int?

            public init(requestedMessage: MessageTrigger, connectorId: Int? = nil) {
                self.requestedMessage = requestedMessage
                self.connectorId = connectorId
            }

            enum CodingKeys: String, OCPPCodingKey {
                case requestedMessage, connectorId
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(1) : .none }
            }
        }

        /// TriggerMessage.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: TriggerMessageStatus

            public init(status: TriggerMessageStatus) {
                self.status = status
            }
        }
    }
}
