extension OCPP201 {
    /// UnlockConnector (CSMS → charging station). Unlocks the connector of an EVSE.
    public enum UnlockConnector {
        public static let action = "UnlockConnector"

        /// UnlockConnectorRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "UnlockConnector"
            public typealias Response = UnlockConnector.Response

            public var evseId: Int
            public var connectorId: Int
            public var customData: CustomDataType?

            public init(evseId: Int, connectorId: Int, customData: CustomDataType? = nil) {
                self.evseId = evseId
                self.connectorId = connectorId
                self.customData = customData
            }
        }

        /// UnlockConnectorResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: UnlockStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: UnlockStatusEnumType,
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
