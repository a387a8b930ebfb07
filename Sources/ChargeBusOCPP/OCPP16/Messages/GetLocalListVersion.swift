extension OCPP16 {
    /// GetLocalListVersion (CSMS → charge point). Reads the version of the local authorization list.
    public enum GetLocalListVersion {
        public static let action = "GetLocalListVersion"

        /// GetLocalListVersion.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetLocalListVersion"
            public typealias Response = GetLocalListVersion.Response

            public init() {}
        }

        /// GetLocalListVersion.conf
        public struct Response: OCPPPayload, Hashable {
            public var listVersion: Int

            public init(listVersion: Int) {
                self.listVersion = listVersion
            }
        }
    }
}
