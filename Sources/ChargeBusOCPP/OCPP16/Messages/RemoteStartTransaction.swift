extension OCPP16 {
    /// RemoteStartTransaction (CSMS → charge point). Asks the charge point to start a transaction.
    public enum RemoteStartTransaction {
        public static let action = "RemoteStartTransaction"

        /// RemoteStartTransaction.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "RemoteStartTransaction"
            public typealias Response = RemoteStartTransaction.Response

            /// > 0.
            public var connectorId: Int?
            /// IdToken, ≤ 20 characters.
            public var idTag: String
            /// Purpose must be TxProfile.
            public var chargingProfile: ChargingProfile?

            public init(connectorId: Int? = nil, idTag: String, chargingProfile: ChargingProfile? = nil) {
                self.connectorId = connectorId
                self.idTag = idTag
                self.chargingProfile = chargingProfile
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, idTag, chargingProfile
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .connectorId: .minimum(1)
                    case .idTag: .identifier(20)
                    case .chargingProfile: .none
                    }
                }
            }
        }

        /// RemoteStartTransaction.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: RemoteStartStopStatus

            public init(status: RemoteStartStopStatus) {
                self.status = status
            }
        }
    }
}
