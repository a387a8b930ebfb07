extension OCPP16 {
    /// SetChargingProfile (CSMS → charge point). Installs a charging profile.
    public enum SetChargingProfile {
        public static let action = "SetChargingProfile"

        /// SetChargingProfile.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "SetChargingProfile"
            public typealias Response = SetChargingProfile.Response

            /// ≥ 0; 0 is the overall limit of the charge point.
            public var connectorId: Int
            public var csChargingProfiles: ChargingProfile

            public init(connectorId: Int, csChargingProfiles: ChargingProfile) {
                self.connectorId = connectorId
                self.csChargingProfiles = csChargingProfiles
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, csChargingProfiles
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(0) : .none }
            }
        }

        /// SetChargingProfile.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ChargingProfileStatus

            public init(status: ChargingProfileStatus) {
                self.status = status
            }
        }
    }
}
