extension OCPP16 {
    /// MeterValues (Charge point → CSMS). Sampled meter values of a connector, during a transaction or not.
    public enum MeterValues {
        public static let action = "MeterValues"

        /// MeterValues.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "MeterValues"
            public typealias Response = MeterValues.Response

            /// ≥ 0; 0 is the main meter of the charge point.
            public var connectorId: Int
            public var transactionId: Int?
            public var meterValue: [MeterValue]

            public init(connectorId: Int, transactionId: Int? = nil, meterValue: [MeterValue]) {
                self.connectorId = connectorId
                self.transactionId = transactionId
                self.meterValue = meterValue
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, transactionId, meterValue
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(0) : .none }
            }
        }

        /// MeterValues.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
