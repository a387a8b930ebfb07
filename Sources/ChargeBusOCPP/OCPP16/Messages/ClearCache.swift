extension OCPP16 {
    /// ClearCache (CSMS → charge point). Clears the authorization cache.
    public enum ClearCache {
        public static let action = "ClearCache"

        /// ClearCache.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ClearCache"
            public typealias Response = ClearCache.Response

            public init() {}
        }

        /// ClearCache.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: ClearCacheStatus

            public init(status: ClearCacheStatus) {
                self.status = status
            }
        }
    }
}
