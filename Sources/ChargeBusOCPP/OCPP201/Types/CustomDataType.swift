import ChargeBusContract

extension OCPP201 {
    /// `customData`, allowed on every object of every 2.0.1 message: a required `vendorId`
    /// (≤ 255, kept whole in lenient mode) and any further vendor properties, which the schema
    /// explicitly allows (no `additionalProperties: false`).
    public struct CustomDataType: Codable, Sendable, Hashable {
        public var vendorId: String
        /// The vendor's other properties, as sent.
        public var properties: [String: JSONValue]

        public init(vendorId: String, properties: [String: JSONValue] = [:]) {
            self.vendorId = vendorId
            self.properties = properties
        }

        struct Key: OCPPCodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
            static let vendorId = Key(stringValue: "vendorId")
            var constraint: OCPPFieldConstraint { stringValue == "vendorId" ? .identifier(255) : .none }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            vendorId = try container.decode(String.self, forKey: .vendorId)
            var properties: [String: JSONValue] = [:]
            // Decoding every key marks it as used: vendor properties are not unknown fields.
            for key in container.allKeys where key.stringValue != "vendorId" {
                properties[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
            }
            self.properties = properties
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(vendorId, forKey: .vendorId)
            for (key, value) in properties where key != "vendorId" {
                try container.encode(value, forKey: Key(stringValue: key))
            }
        }
    }
}
