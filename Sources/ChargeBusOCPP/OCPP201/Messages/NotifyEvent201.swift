import Foundation

extension OCPP201 {
    /// NotifyEvent (Charging station → CSMS). Monitoring events and hard-wired notifications of components (see `OCPP201.problem(from:)`).
    public enum NotifyEvent {
        public static let action = "NotifyEvent"

        /// NotifyEventRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "NotifyEvent"
            public typealias Response = NotifyEvent.Response

            public var generatedAt: Date
            /// “To be continued”: another part follows. Absent means false.
            public var tbc: Bool?
            /// Sequence number of this part, from 0.
            public var seqNo: Int
            /// At least one element.
            public var eventData: [EventDataType]
            public var customData: CustomDataType?

            public init(
                generatedAt: Date,
                tbc: Bool? = nil,
                seqNo: Int,
                eventData: [EventDataType],
                customData: CustomDataType? = nil
            ) {
                self.generatedAt = generatedAt
                self.tbc = tbc
                self.seqNo = seqNo
                self.eventData = eventData
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case generatedAt, tbc, seqNo, eventData, customData
                var constraint: OCPPFieldConstraint { self == .eventData ? .items(1) : .none }
            }
        }

        /// NotifyEventResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
