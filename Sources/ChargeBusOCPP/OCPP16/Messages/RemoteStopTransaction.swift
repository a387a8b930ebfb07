extension OCPP16 {
    /// RemoteStopTransaction (CSMS → charge point). Asks the charge point to stop a transaction.
    public enum RemoteStopTransaction {
        public static let action = "RemoteStopTransaction"

        /// RemoteStopTransaction.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "RemoteStopTransaction"
            public typealias Response = RemoteStopTransaction.Response

            public var transactionId: Int

            public init(transactionId: Int) {
                self.transactionId = transactionId
            }
        }

        /// RemoteStopTransaction.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: RemoteStartStopStatus

            public init(status: RemoteStartStopStatus) {
                self.status = status
            }
        }
    }
}
