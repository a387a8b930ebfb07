extension OCPP201 {
    /// UpdateFirmware (CSMS → charging station). Asks the station to download and install firmware.
    public enum UpdateFirmware {
        public static let action = "UpdateFirmware"

        /// UpdateFirmwareRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "UpdateFirmware"
            public typealias Response = UpdateFirmware.Response

            public var retries: Int?
            /// Seconds.
            public var retryInterval: Int?
            /// Echoed in FirmwareStatusNotification.
            public var requestId: Int
            public var firmware: FirmwareType
            public var customData: CustomDataType?

            public init(
                retries: Int? = nil,
                retryInterval: Int? = nil,
                requestId: Int,
                firmware: FirmwareType,
                customData: CustomDataType? = nil
            ) {
                self.retries = retries
                self.retryInterval = retryInterval
                self.requestId = requestId
                self.firmware = firmware
                self.customData = customData
            }
        }

        /// UpdateFirmwareResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: UpdateFirmwareStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: UpdateFirmwareStatusEnumType,
                statusInfo: StatusInfoType? = nil,
                customData: CustomDataType? = nil
            ) {
                self.status = status
                self.statusInfo = statusInfo
                self.customData = customData
            }
        }
    }
}
