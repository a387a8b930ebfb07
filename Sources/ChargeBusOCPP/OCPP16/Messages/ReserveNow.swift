import Foundation

extension OCPP16 {
    /// ReserveNow (CSMS → charge point). Reserves a connector (0: any connector) for an idTag.
    public enum ReserveNow {
        public static let action = "ReserveNow"

        /// ReserveNow.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ReserveNow"
            public typealias Response = ReserveNow.Response

            /// ≥ 0; 0 reserves no specific connector.
            public var connectorId: Int
            public var expiryDate: Date
            /// IdToken, ≤ 20 characters.
            public var idTag: String
            /// IdToken, ≤ 20 characters.
            public var parentIdTag: String?
            public var reservationId: Int

            public init(connectorId: Int, expiryDate: Date, idTag: String, parentIdTag: String? = nil, reservationId: Int) {
                self.connectorId = connectorId
                self.expiryDate = expiryDate
                self.idTag = idTag
                self.parentIdTag = parentIdTag
                self.reservationId = reservationId
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, expiryDate, idTag, parentIdTag, reservationId
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .connectorId: .minimum(0)
                    case .idTag, .parentIdTag: .identifier(20)
                    case .expiryDate, .reservationId: .none
                    }
                }
            }
        }

        /// ReserveNow.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ReservationStatus

            public init(status: ReservationStatus) {
                self.status = status
            }
        }
    }
}
