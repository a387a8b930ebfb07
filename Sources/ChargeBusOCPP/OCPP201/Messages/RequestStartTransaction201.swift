import ChargeBusContract

extension OCPP201 {
    /// RequestStartTransaction (CSMS → charging station). Asks the station to start a transaction (the 2.0.1 RemoteStartTransaction).
    public enum RequestStartTransaction {
        public static let action = "RequestStartTransaction"

        /// RequestStartTransactionRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "RequestStartTransaction"
            public typealias Response = RequestStartTransaction.Response

            /// Absent: the station picks the EVSE.
            public var evseId: Int?
            /// Echoed in TransactionEventRequest.transactionInfo.remoteStartId.
            public var remoteStartId: Int
            public var idToken: IdTokenType
            /// A ChargingProfileType, carried as JSON and not validated: smart charging is not modelled in this module.
            public var chargingProfile: JSONValue?
            public var groupIdToken: IdTokenType?
            public var customData: CustomDataType?

            public init(
                evseId: Int? = nil,
                remoteStartId: Int,
                idToken: IdTokenType,
                chargingProfile: JSONValue? = nil,
                groupIdToken: IdTokenType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.evseId = evseId
                self.remoteStartId = remoteStartId
                self.idToken = idToken
                self.chargingProfile = chargingProfile
                self.groupIdToken = groupIdToken
                self.customData = customData
            }
        }

        /// RequestStartTransactionResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: RequestStartStopStatusEnumType
            public var statusInfo: StatusInfoType?
            /// When a transaction had already started on the EVSE (cable plugged in first).
            public var transactionId: String?
            public var customData: CustomDataType?

            public init(
                status: RequestStartStopStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                transactionId: String? = nil,
                customData: CustomDataType? = nil
            ) {
                self.status = status
                self.statusInfo = statusInfo
                self.transactionId = transactionId
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case status, statusInfo, transactionId, customData
                var constraint: OCPPFieldConstraint { self == .transactionId ? .identifier(36) : .none }
            }
        }
    }
}
