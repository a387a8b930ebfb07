extension OCPP16 {
    /// UnlockConnector (CSMS → charge point). Unlocks a connector.
    public enum UnlockConnector {
        public static let action = "UnlockConnector"

        /// UnlockConnector.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "UnlockConnector"
            public typealias Response = UnlockConnector.Response

            /// > 0.
            public var connectorId: Int

            public init(connectorId: Int) {
                self.connectorId = connectorId
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId
                var constraint: OCPPFieldConstraint { .minimum(1) }
            }
        }

        /// UnlockConnector.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: UnlockStatus

            public init(status: UnlockStatus) {
                self.status = status
            }
        }
    }
}
