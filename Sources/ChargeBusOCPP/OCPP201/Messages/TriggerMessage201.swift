extension OCPP201 {
    /// TriggerMessage (CSMS → charging station). Asks the station to send a message now.
    public enum TriggerMessage {
        public static let action = "TriggerMessage"

        /// TriggerMessageRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "TriggerMessage"
            public typealias Response = TriggerMessage.Response

            /// Only when the request is for one EVSE (or connector).
            public var evse: EVSEType?
            public var requestedMessage: MessageTriggerEnumType
            public var customData: CustomDataType?

            public init(
                evse: EVSEType? = nil,
                requestedMessage: MessageTriggerEnumType,
                customData: CustomDataType? = nil
            ) {
                self.evse = evse
                self.requestedMessage = requestedMessage
                self.customData = customData
            }
        }

        /// TriggerMessageResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: TriggerMessageStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: TriggerMessageStatusEnumType,
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
