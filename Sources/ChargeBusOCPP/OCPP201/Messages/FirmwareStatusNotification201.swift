extension OCPP201 {
    /// FirmwareStatusNotification (Charging station → CSMS). Progress of a firmware update.
    public enum FirmwareStatusNotification {
        public static let action = "FirmwareStatusNotification"

        /// FirmwareStatusNotificationRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "FirmwareStatusNotification"
            public typealias Response = FirmwareStatusNotification.Response

            public var status: FirmwareStatusEnumType
            /// The UpdateFirmwareRequest.requestId; absent when the status is Idle.
            public var requestId: Int?
            public var customData: CustomDataType?

            public init(status: FirmwareStatusEnumType, requestId: Int? = nil, customData: CustomDataType? = nil) {
                self.status = status
                self.requestId = requestId
                self.customData = customData
            }
        }

        /// FirmwareStatusNotificationResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
