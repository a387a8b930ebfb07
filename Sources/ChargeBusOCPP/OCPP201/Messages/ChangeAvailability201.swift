extension OCPP201 {
    /// ChangeAvailability (CSMS → charging station). Makes the station, an EVSE or a connector operative or inoperative.
    public enum ChangeAvailability {
        public static let action = "ChangeAvailability"

        /// ChangeAvailabilityRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "ChangeAvailability"
            public typealias Response = ChangeAvailability.Response

            /// Absent: the whole station.
            public var evse: EVSEType?
            public var operationalStatus: OperationalStatusEnumType
            public var customData: CustomDataType?

            public init(
                evse: EVSEType? = nil,
                operationalStatus: OperationalStatusEnumType,
                customData: CustomDataType? = nil
            ) {
                self.evse = evse
                self.operationalStatus = operationalStatus
                self.customData = customData
            }
        }

        /// ChangeAvailabilityResponse
        public struct Response: OCPPPayload, Hashable {
            public var status: ChangeAvailabilityStatusEnumType
            public var statusInfo: StatusInfoType?
            public var customData: CustomDataType?

            public init(
                status: ChangeAvailabilityStatusEnumType,
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
