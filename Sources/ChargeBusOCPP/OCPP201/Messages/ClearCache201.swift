extension OCPP201 {
    /// ClearCache (CSMS → charging station). Clears the authorization cache.
    public enum ClearCache {
        public static let action = "ClearCache"

        /// ClearCacheRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ClearCache"
            public typealias Response = ClearCache.Response

            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }

        /// ClearCacheResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: ClearCacheStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: ClearCacheStatusEnumType,
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
