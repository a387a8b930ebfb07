extension OCPP201 {
    /// A transaction as the charging station reports it (TransactionEventRequest.transactionInfo).
    public struct TransactionType: Codable, Sendable, Hashable {
        /// ≤ 36 characters, assigned by the charging station; kept whole in lenient mode.
        public var transactionId: String
        /// Required by the spec when it changed.
        public var chargingState: ChargingStateEnumType?
        /// Seconds that energy flowed.
        public var timeSpentCharging: Int?
        /// Absent means Local.
        public var stoppedReason: ReasonEnumType?
        /// The RequestStartTransactionRequest.remoteStartId that started it.
        public var remoteStartId: Int?
        public var customData: CustomDataType?

        public init(transactionId: String, chargingState: ChargingStateEnumType? = nil, timeSpentCharging: Int? = nil,
                    stoppedReason: ReasonEnumType? = nil, remoteStartId: Int? = nil, customData: CustomDataType? = nil) {
            self.transactionId = transactionId
            self.chargingState = chargingState
            self.timeSpentCharging = timeSpentCharging
            self.stoppedReason = stoppedReason
            self.remoteStartId = remoteStartId
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case transactionId, chargingState, timeSpentCharging, stoppedReason, remoteStartId, customData
            var constraint: OCPPFieldConstraint { self == .transactionId ? .identifier(36) : .none }
        }
    }
}
