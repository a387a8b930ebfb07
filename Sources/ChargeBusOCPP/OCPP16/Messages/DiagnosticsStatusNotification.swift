extension OCPP16 {
    /// DiagnosticsStatusNotification (Charge point → CSMS). Progress of a diagnostics upload.
    public enum DiagnosticsStatusNotification {
        public static let action = "DiagnosticsStatusNotification"

        /// DiagnosticsStatusNotification.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "DiagnosticsStatusNotification"
            public typealias Response = DiagnosticsStatusNotification.Response

            public var status: DiagnosticsStatus

            public init(status: DiagnosticsStatus) {
                self.status = status
            }
        }

        /// DiagnosticsStatusNotification.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
