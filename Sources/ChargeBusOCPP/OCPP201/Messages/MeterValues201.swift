extension OCPP201 {
    /// MeterValues (Charging station → CSMS). Meter values outside a transaction (those of a transaction come in TransactionEvent).
    public enum MeterValues {
        public static let action = "MeterValues"

        /// MeterValuesRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "MeterValues"
            public typealias Response = MeterValues.Response

            /// 0: the main power meter of the station.
            public var evseId: Int
            /// At least one element.
            public var meterValue: [MeterValueType]
            public var customData: CustomDataType?

            public init(evseId: Int, meterValue: [MeterValueType], customData: CustomDataType? = nil) {
                self.evseId = evseId
                self.meterValue = meterValue
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case evseId, meterValue, customData
                var constraint: OCPPFieldConstraint { self == .meterValue ? .items(1) : .none }
            }
        }

        /// MeterValuesResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
