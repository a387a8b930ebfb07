import Foundation

extension OCPP16 {
    /// StartTransaction (Charge point → CSMS). A transaction started; the CSMS assigns its id.
    public enum StartTransaction {
        public static let action = "StartTransaction"

        /// StartTransaction.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "StartTransaction"
            public typealias Response = StartTransaction.Response

            /// > 0.
            public var connectorId: Int
            /// IdToken, ≤ 20 characters.
            public var idTag: String
            /// Meter register at start, Wh.
            public var meterStart: Int
            public var reservationId: Int?
            public var timestamp: Date

            public init(connectorId: Int, idTag: String, meterStart: Int, reservationId: Int? = nil, timestamp: Date) {
                self.connectorId = connectorId
                self.idTag = idTag
                self.meterStart = meterStart
                self.reservationId = reservationId
                self.timestamp = timestamp
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, idTag, meterStart, reservationId, timestamp
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .connectorId: .minimum(1)
                    case .idTag: .identifier(20)
                    case .meterStart, .reservationId, .timestamp: .none
                    }
                }
            }
        }

        /// StartTransaction.conf
        public struct Response: OCPPPayload, Hashable {
            public var idTagInfo: IdTagInfo
            public var transactionId: Int

            public init(idTagInfo: IdTagInfo, transactionId: Int) {
                self.idTagInfo = idTagInfo
                self.transactionId = transactionId
            }
        }
    }
}
