import Foundation

extension OCPP201 {
    /// StatusNotification (Charging station → CSMS). Status of one connector of an EVSE. Faults are reported through NotifyEvent (see `OCPP201.sharedStatus`).
    public enum StatusNotification {
        public static let action = "StatusNotification"

        /// StatusNotificationRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "StatusNotification"
            public typealias Response = StatusNotification.Response

            public var timestamp: Date
            public var connectorStatus: ConnectorStatusEnumType
            public var evseId: Int
            public var connectorId: Int
            public var customData: CustomDataType?

            public init(
                timestamp: Date,
                connectorStatus: ConnectorStatusEnumType,
                evseId: Int,
                connectorId: Int,
                customData: CustomDataType? = nil
            ) {
                self.timestamp = timestamp
                self.connectorStatus = connectorStatus
                self.evseId = evseId
                self.connectorId = connectorId
                self.customData = customData
            }
        }

        /// StatusNotificationResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
