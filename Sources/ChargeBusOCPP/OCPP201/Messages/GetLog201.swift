extension OCPP201 {
    /// GetLog (CSMS → charging station). Asks for a log file upload.
    public enum GetLog {
        public static let action = "GetLog"

        /// GetLogRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetLog"
            public typealias Response = GetLog.Response

            public var log: LogParametersType
            public var logType: LogEnumType
            /// Echoed in LogStatusNotification.
            public var requestId: Int
            public var retries: Int?
            /// Seconds.
            public var retryInterval: Int?
            public var customData: CustomDataType?

            public init(
                log: LogParametersType,
                logType: LogEnumType,
                requestId: Int,
                retries: Int? = nil,
                retryInterval: Int? = nil,
                customData: CustomDataType? = nil
            ) {
                self.log = log
                self.logType = logType
                self.requestId = requestId
                self.retries = retries
                self.retryInterval = retryInterval
                self.customData = customData
            }
        }

        /// GetLogResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: LogStatusEnumType
            public var statusInfo: StatusInfoType?
            /// ≤ 255 characters; absent when there is nothing to upload.
            public var filename: String?
            public var customData: CustomDataType?

            public init(
                status: LogStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                filename: String? = nil,
                customData: CustomDataType? = nil
            ) {
                self.status = status
                self.statusInfo = statusInfo
                self.filename = filename
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case status, statusInfo, filename, customData
                var constraint: OCPPFieldConstraint { self == .filename ? .identifier(255) : .none }
            }
        }
    }
}
