/// Schema constraints of one field that JSON types alone do not express.
struct OCPPFieldConstraint: Sendable {
    /// CiString max length, in Unicode code points (as JSON Schema counts). For arrays of
    /// strings it applies to each element.
    var maxLength: Int?
    /// An identifier (IdToken, configuration key, vendor id, …): lenient mode keeps an over-long
    /// value whole rather than truncating it, since a cut identifier would name something else.
    var keepWhole: Bool = false
    /// Integer minimum (connectorId >= 0 or > 0 in the spec's field tables).
    var minimum: Int?
    /// A `JSONValue` field that the schema types as string (DataTransfer `data`): strict mode
    /// requires a string, lenient mode takes any JSON.
    var textOnly: Bool = false
    /// A number that must be a multiple of this (ChargingSchedulePeriod.limit: 0.1).
    var multipleOf: Double?
    /// A string that must be an absolute URI (`anyURI`: GetDiagnostics, UpdateFirmware location).
    var uri: Bool = false
    /// Array cardinality (`minItems`/`maxItems` of the 2.0.1 schemas). Strict mode rejects an
    /// array outside it with `occurrenceConstraintViolation`; lenient mode accepts it.
    var minItems: Int?
    var maxItems: Int?

    static let none = OCPPFieldConstraint()
    static func maxLength(_ length: Int) -> OCPPFieldConstraint { OCPPFieldConstraint(maxLength: length) }
    static func identifier(_ length: Int) -> OCPPFieldConstraint { OCPPFieldConstraint(maxLength: length, keepWhole: true) }
    static func minimum(_ value: Int) -> OCPPFieldConstraint { OCPPFieldConstraint(minimum: value) }
    static let text = OCPPFieldConstraint(textOnly: true)
    static let tenths = OCPPFieldConstraint(multipleOf: 0.1)
    static let anyURI = OCPPFieldConstraint(uri: true)
    /// An array of at least `min` (and at most `max`) elements.
    static func items(_ min: Int, _ max: Int? = nil) -> OCPPFieldConstraint { OCPPFieldConstraint(minItems: min, maxItems: max) }
}

/// Coding keys that carry their field's constraints; the payload decoder reads them.
protocol OCPPCodingKey: CodingKey {
    var constraint: OCPPFieldConstraint { get }
}

/// A closed string enumeration of the schema (`RegistrationStatus`, `ChargePointStatus`, …):
/// unknown values are rejected, except where a catch-all applies in lenient mode.
public protocol OCPPClosedEnum: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {
    /// The value lenient decoding maps unknown values to, if any (`OtherError` for
    /// ChargePointErrorCode, `Other` for Reason).
    static var lenientFallback: Self? { get }
}

extension OCPPClosedEnum {
    public static var lenientFallback: Self? { nil }

    /// With `OCPPPayloadCoding`: validated per the mode. With any other decoder: the raw value,
    /// which must be one of the cases.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? PayloadDecoder {
            self = try decoder.decodeClosedEnum(Self.self)
            return
        }
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(raw)\" is not a valid value")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An open string enumeration (the SampledValue fields): any string is representable, so
/// lenient decoding keeps unknown values as sent; strict decoding accepts only `knownValues`.
/// Compare with the static constants (`sample.measurand == .energyActiveImportRegister`) or
/// switch over them.
public protocol OCPPOpenEnum: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
    /// The values the 1.6 schema lists.
    static var knownValues: Set<String> { get }
}

extension OCPPOpenEnum {
    /// With `OCPPPayloadCoding`: validated per the mode. With any other decoder: any string.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? PayloadDecoder {
            self = try decoder.decodeOpenEnum(Self.self)
            return
        }
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    /// Whether the value is one the schema lists.
    public var isKnown: Bool { Self.knownValues.contains(rawValue) }
}
