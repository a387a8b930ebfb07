extension OCPP201 {
    /// Reset (CSMS → charging station). Reboots the station or one EVSE, at once or when idle.
    public enum Reset {
        public static let action = "Reset"

        /// ResetRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "Reset"
            public typealias Response = Reset.Response

            public var type: ResetEnumType
            /// Absent: the whole station.
            public var evseId: Int?
            public var customData: CustomDataType?

            public init(type: ResetEnumType, evseId: Int? = nil, customData: CustomDataType? = nil) {
                self.type = type
                self.evseId = evseId
                self.customData = customData
            }
        }

        /// ResetResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: ResetStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: ResetStatusEnumType,
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
