extension OCPP16 {
    /// FirmwareStatusNotification (Charge point → CSMS). Progress of a firmware update.
    public enum FirmwareStatusNotification {
        public static let action = "FirmwareStatusNotification"

        /// FirmwareStatusNotification.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "FirmwareStatusNotification"
            public typealias Response = FirmwareStatusNotification.Response

            public var status: FirmwareStatus

            public init(status: FirmwareStatus) {
                self.status = status
            }
        }

        /// FirmwareStatusNotification.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
