extension OCPP201 {
    /// LogStatusNotification (Charging station → CSMS). Progress of a log upload (GetLog).
    public enum LogStatusNotification {
        public static let action = "LogStatusNotification"

        /// LogStatusNotificationRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "LogStatusNotification"
            public typealias Response = LogStatusNotification.Response

            public var status: UploadLogStatusEnumType
            /// The GetLogRequest.requestId; absent when the status is Idle.
            public var requestId: Int?
            public var customData: CustomDataType?

            public init(status: UploadLogStatusEnumType, requestId: Int? = nil, customData: CustomDataType? = nil) {
                self.status = status
                self.requestId = requestId
                self.customData = customData
            }
        }

        /// LogStatusNotificationResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
