import Foundation

extension OCPP201 {
    /// TransactionEvent (Charging station → CSMS). Start (`Started`), progress (`Updated`) and end (`Ended`) of a transaction, with its meter values.
    public enum TransactionEvent {
        public static let action = "TransactionEvent"

        /// TransactionEventRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "TransactionEvent"
            public typealias Response = TransactionEvent.Response

            public var eventType: TransactionEventEnumType
            /// At least one element when present.
            public var meterValue: [MeterValueType]?
            public var timestamp: Date
            public var triggerReason: TriggerReasonEnumType
            /// Incremental per transaction, to detect lost messages.
            public var seqNo: Int
            /// The event happened while the station was offline. Absent means false.
            public var offline: Bool?
            public var numberOfPhasesUsed: Int?
            /// Maximum current of the connected cable, A.
            public var cableMaxCurrent: Int?
            public var reservationId: Int?
            public var transactionInfo: TransactionType
            /// Required in the first event of a transaction on an EVSE (spec), optional in the schema.
            public var evse: EVSEType?
            public var idToken: IdTokenType?
            public var customData: CustomDataType?

            public init(
                eventType: TransactionEventEnumType,
                meterValue: [MeterValueType]? = nil,
                timestamp: Date,
                triggerReason: TriggerReasonEnumType,
                seqNo: Int,
                offline: Bool? = nil,
                numberOfPhasesUsed: Int? = nil,
                cableMaxCurrent: Int? = nil,
                reservationId: Int? = nil,
                transactionInfo: TransactionType,
                evse: EVSEType? = nil,
                idToken: IdTokenType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.eventType = eventType
                self.meterValue = meterValue
                self.timestamp = timestamp
                self.triggerReason = triggerReason
                self.seqNo = seqNo
                self.offline = offline
                self.numberOfPhasesUsed = numberOfPhasesUsed
                self.cableMaxCurrent = cableMaxCurrent
                self.reservationId = reservationId
                self.transactionInfo = transactionInfo
                self.evse = evse
                self.idToken = idToken
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case eventType, meterValue, timestamp, triggerReason, seqNo, offline, numberOfPhasesUsed, cableMaxCurrent, reservationId, transactionInfo, evse, idToken, customData
                var constraint: OCPPFieldConstraint { self == .meterValue ? .items(1) : .none }
            }
        }

        /// TransactionEventResponse
        public struct Response: OCPPPayload, Hashable {
            /// Running or final cost, in the CSMS's currency.
            public var totalCost: Double?
            /// −9…9.
            public var chargingPriority: Int?
            /// When the request carried an idToken.
            public var idTokenInfo: IdTokenInfoType?
            public var updatedPersonalMessage: MessageContentType?
            public var customData: CustomDataType?

            public init(
                totalCost: Double? = nil,
                chargingPriority: Int? = nil,
                idTokenInfo: IdTokenInfoType? = nil,
                updatedPersonalMessage: MessageContentType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.totalCost = totalCost
                self.chargingPriority = chargingPriority
                self.idTokenInfo = idTokenInfo
                self.updatedPersonalMessage = updatedPersonalMessage
                self.customData = customData
            }
        }
    }
}
