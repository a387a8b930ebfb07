import Foundation

extension OCPP16 {
    /// Heartbeat (Charge point → CSMS). Keep-alive; the response carries the CSMS time.
    public enum Heartbeat {
        public static let action = "Heartbeat"

        /// Heartbeat.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Heartbeat"
            public typealias Response = Heartbeat.Response

            public init() {}
        }

        /// Heartbeat.conf
        public struct Response: OCPPPayload, Hashable {
            public var currentTime: Date

            public init(currentTime: Date) {
                self.currentTime = currentTime
            }
        }
    }
}
