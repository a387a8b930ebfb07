extension OCPP16 {
    /// SendLocalList (CSMS → charge point). Replaces or updates the local authorization list.
    public enum SendLocalList {
        public static let action = "SendLocalList"

        /// SendLocalList.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "SendLocalList"
            public typealias Response = SendLocalList.Response

            public var listVersion: Int
            public var localAuthorizationList: [AuthorizationData]?
            public var updateType: UpdateType

            public init(listVersion: Int, localAuthorizationList: [AuthorizationData]? = nil, updateType: UpdateType) {
                self.listVersion = listVersion
                self.localAuthorizationList = localAuthorizationList
                self.updateType = updateType
            }
        }

        /// SendLocalList.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: UpdateStatus

            public init(status: UpdateStatus) {
                self.status = status
            }
        }
    }
}
