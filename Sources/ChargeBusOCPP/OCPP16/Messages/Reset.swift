extension OCPP16 {
    /// Reset (CSMS → charge point). Reboots the charge point.
    public enum Reset {
        public static let action = "Reset"

        /// Reset.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Reset"
            public typealias Response = Reset.Response

            public var type: ResetType

            public init(type: ResetType) {
                self.type = type
            }
        }

        /// Reset.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ResetStatus

            public init(status: ResetStatus) {
                self.status = status
            }
        }
    }
}
