import Foundation

extension OCPP201 {
    /// Heartbeat (Charging station → CSMS). Keep-alive; the response carries the CSMS time.
    public enum Heartbeat {
        public static let action = "Heartbeat"

        /// HeartbeatRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Heartbeat"
            public typealias Response = Heartbeat.Response

            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }

        /// HeartbeatResponse
        public struct Response: OCPPPayload, Hashable {
            public var currentTime: Date
            public var customData: CustomDataType?

            public init(currentTime: Date, customData: CustomDataType? = nil) {
                self.currentTime = currentTime
                self.customData = customData
            }
        }
    }
}
