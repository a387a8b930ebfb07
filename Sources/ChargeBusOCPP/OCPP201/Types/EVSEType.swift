extension OCPP201 {
    /// An EVSE, optionally one connector of it. The schema sets no minimum; the spec says
    /// `id` > 0 (0 would be the whole station, which is expressed by omitting the EVSE).
    public struct EVSEType: Codable, Sendable, Hashable {
        public var id: Int
        public var connectorId: Int?
        public var customData: CustomDataType?

        public init(id: Int, connectorId: Int? = nil, customData: CustomDataType? = nil) {
            self.id = id
            self.connectorId = connectorId
            self.customData = customData
        }
    }
}
