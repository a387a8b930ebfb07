import Foundation

extension OCPP201 {
    /// BootNotification (Charging station → CSMS). Sent after (re)booting; the CSMS accepts, rejects or defers registration.
    public enum BootNotification {
        public static let action = "BootNotification"

        /// BootNotificationRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "BootNotification"
            public typealias Response = BootNotification.Response

            public var chargingStation: ChargingStationType
            public var reason: BootReasonEnumType
            public var customData: CustomDataType?

            public init(
                chargingStation: ChargingStationType,
                reason: BootReasonEnumType,
                customData: CustomDataType? = nil
            ) {
                self.chargingStation = chargingStation
                self.reason = reason
                self.customData = customData
            }
        }

        /// BootNotificationResponse
        public struct Response: OCPPPayload, Hashable {
            public var currentTime: Date
            /// Heartbeat interval in seconds when accepted; otherwise the minimum wait before the next BootNotification.
            public var interval: Int
            public var status: RegistrationStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                currentTime: Date,
                interval: Int,
                status: RegistrationStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.currentTime = currentTime
                self.interval = interval
                self.status = status
                self.statusInfo = statusInfo
                self.customData = customData
            }
        }
    }
}
