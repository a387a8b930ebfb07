import Foundation

extension OCPP16 {
    /// StopTransaction (Charge point → CSMS). A transaction stopped.
    public enum StopTransaction {
        public static let action = "StopTransaction"

        /// StopTransaction.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "StopTransaction"
            public typealias Response = StopTransaction.Response

            /// IdToken, ≤ 20 characters.
            public var idTag: String?
            /// Meter register at stop, Wh.
            public var meterStop: Int
            public var timestamp: Date
            public var transactionId: Int
            /// Absent means `local`.
            public var reason: Reason?
            public var transactionData: [MeterValue]?

            public init(
                idTag: String? = nil,
                meterStop: Int,
                timestamp: Date,
                transactionId: Int,
                reason: Reason? = nil,
                transactionData: [MeterValue]? = nil
            ) {
                self.idTag = idTag
                self.meterStop = meterStop
                self.timestamp = timestamp
                self.transactionId = transactionId
                self.reason = reason
                self.transactionData = transactionData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case idTag, meterStop, timestamp, transactionId, reason, transactionData
                var constraint: OCPPFieldConstraint { self == .idTag ? .identifier(20) : .none }
            }
        }

        /// StopTransaction.conf
        public struct Response: OCPPPayload, Hashable {
            public var idTagInfo: IdTagInfo?

            public init(idTagInfo: IdTagInfo? = nil) {
                self.idTagInfo = idTagInfo
            }
        }
    }
}
