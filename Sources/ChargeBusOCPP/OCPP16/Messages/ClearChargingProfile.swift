extension OCPP16 {
    /// ClearChargingProfile (CSMS → charge point). Removes charging profiles matching all given criteria.
    public enum ClearChargingProfile {
        public static let action = "ClearChargingProfile"

        /// ClearChargingProfile.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ClearChargingProfile"
            public typealias Response = ClearChargingProfile.Response

            /// The profile id.
            public var id: Int?
            /// ≥ 0.
            public var connectorId: Int?
            public var chargingProfilePurpose: ChargingProfilePurposeType?
            public var stackLevel: Int?

            public init(
                id: Int? = nil,
                connectorId: Int? = nil,
                chargingProfilePurpose: ChargingProfilePurposeType? = nil,
                stackLevel: Int? = nil
            ) {
                self.id = id
                self.connectorId = connectorId
                self.chargingProfilePurpose = chargingProfilePurpose
                self.stackLevel = stackLevel
            }

            enum CodingKeys: String, OCPPCodingKey {
                case id, connectorId, chargingProfilePurpose, stackLevel
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(0) : .none }
            }
        }

        /// ClearChargingProfile.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ClearChargingProfileStatus

            public init(status: ClearChargingProfileStatus) {
                self.status = status
            }
        }
    }
}
