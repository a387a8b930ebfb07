extension OCPP16 {
    /// ChangeAvailability (CSMS → charge point). Makes a connector (0: the whole charge point) operative or inoperative.
    public enum ChangeAvailability {
        public static let action = "ChangeAvailability"

        /// ChangeAvailability.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ChangeAvailability"
            public typealias Response = ChangeAvailability.Response

            /// ≥ 0; 0 is the whole charge point.
            public var connectorId: Int
            public var type: AvailabilityType

            public init(connectorId: Int, type: AvailabilityType) {
                self.connectorId = connectorId
                self.type = type
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, type
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(0) : .none }
            }
        }

        /// ChangeAvailability.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: AvailabilityStatus

            public init(status: AvailabilityStatus) {
                self.status = status
            }
        }
    }
}
