extension OCPP16 {
    /// CancelReservation (CSMS → charge point). Cancels a reservation.
    public enum CancelReservation {
        public static let action = "CancelReservation"

        /// CancelReservation.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "CancelReservation"
            public typealias Response = CancelReservation.Response

            public var reservationId: Int

            public init(reservationId: Int) {
                self.reservationId = reservationId
            }
        }

        /// CancelReservation.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: CancelReservationStatus

            public init(status: CancelReservationStatus) {
                self.status = status
            }
        }
    }
}
