import ChargeBusContract

/// A message payload (a `.req` or `.conf` PDU) that `OCPPPayloadCoding` decodes from and
/// encodes to `JSONValue`.
public protocol OCPPPayload: Codable, Sendable {}

/// A request PDU, tied to its action name and its response type.
public protocol OCPPRequest: OCPPPayload {
    associatedtype Response: OCPPPayload
    static var action: String { get }
}

/// How closely a payload must follow the JSON schema of its message.
public enum OCPPValidationMode: Sendable, Hashable {
    /// The schema exactly: types, required fields, enum values, string max lengths, no
    /// unknown fields, no numbers sent as strings.
    case strict
    /// Accepts what real chargers send (see `OCPPPayloadCoding`).
    case lenient
}

/// Why a payload does not validate. `description` starts with the field path, e.g.
/// `connectorId: expected integer, got string` or `meterValue[0].sampledValue[1].unit: …`.
public struct OCPPValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: OCPPErrorCode
    public var description: String
    /// CALLERROR errorDetails: `{"field": "<path>"}` when the error concerns one field, else `{}`.
    public var details: JSONValue

    public init(code: OCPPErrorCode, description: String, details: JSONValue = .object([:])) {
        self.code = code
        self.description = description
        self.details = details
    }

    /// The field path the error concerns, if any.
    public var field: String? { details["field"]?.stringValue }

    /// The CALLERROR frame answering a call with this error, spelled for `version`.
    public func callErrorFrame(messageID: String, for version: OCPPVersion) -> OCPPFrame {
        .callError(messageID: messageID, code: code.wireName(for: version), description: description, details: details)
    }
}

/// One thing lenient decoding changed or let through, for logs and metrics.
public struct OCPPAdjustment: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A descriptive string longer than its CiString max length was cut.
        case truncated
        /// An identifier longer than its max length was kept whole.
        case overLengthKept
        /// A number was sent as a string (`"connectorId":"1"`).
        case numberFromString
        /// A string field was sent as a number (`"value":123.4`).
        case stringFromNumber
        /// A boolean was sent as a string.
        case boolFromString
        /// An enum value differing only in letter case was matched (`"accepted"` → `Accepted`).
        case enumCaseFolded
        /// An unknown enum value was mapped to the enum's catch-all (`errorCode:"Error"` → `OtherError`).
        case enumFallback
        /// An unknown value of an open enumeration (Measurand, ReadingContext, …) was kept as sent.
        case unknownEnumKept
        /// An optional field sent as JSON `null` or as the string `"null"` was treated as absent.
        case nullAsAbsent
        /// An optional date or enum field whose value is invalid was dropped.
        case invalidOptionalDropped
        /// A field not in the schema was ignored.
        case unknownFieldIgnored
    }

    /// The field path, e.g. `chargePointSerialNumber`.
    public var path: String
    public var kind: Kind
    /// What was received, shortened.
    public var detail: String

    public init(path: String, kind: Kind, detail: String) {
        self.path = path
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(path): \(kind.rawValue) (\(detail))" }
}

/// Decodes OCPP payloads from `JSONValue` and encodes them back.
///
/// Strict mode follows the OCPP 1.6 and 2.0.1 JSON schemas exactly. Error codes (spelled per
/// version by `OCPPErrorCode.wireName(for:)`):
/// - payload not a JSON object → `formationViolation`;
/// - a field not in the schema (`"additionalProperties": false`) → `formationViolation`
///   (the payload does not conform to the PDU structure; the mapping mobilityhouse/ocpp uses);
/// - missing required field, or an array with fewer or more elements than the schema's
///   `minItems`/`maxItems` (2.0.1) → `occurrenceConstraintViolation`;
/// - wrong JSON type (including `null`, a number sent as a string, a fractional number for an
///   integer, a malformed date-time) → `typeConstraintViolation`;
/// - value outside its enumeration, string longer than its CiString length, integer out of
///   range (beyond 64 bits, or below a connectorId minimum from the spec tables) →
///   `propertyConstraintViolation`.
///
/// Lenient mode accepts what real chargers send: over-long descriptive strings (serial numbers,
/// firmware version, `info`, `techInfo`, …) are truncated to their max length, while over-long
/// identifiers (idTag, parentIdTag, configuration keys and values, vendorId, vendorErrorCode,
/// DataTransfer messageId, file names, security event type) are kept whole, because a cut
/// identifier would name something else; numbers sent as strings are parsed (integers, decimals, booleans `"true"`); numbers
/// sent where a string is expected are formatted (`123.4` → `"123.4"`); enum values are matched
/// ignoring case; an unknown ChargePointErrorCode becomes `OtherError` and an unknown stop
/// `Reason` becomes `Other`; unknown Measurand, ReadingContext, unit, phase, location and format
/// values are kept as sent; unknown fields are ignored; optional fields sent as `null` or as
/// the string `"null"` count as absent; an optional date-time or enum that does not parse is
/// dropped. Still rejected in lenient mode: missing required fields, wrong structure
/// (object/array), unparseable required values, negative connector ids.
public enum OCPPPayloadCoding {
    public static func decode<T: OCPPPayload>(_ type: T.Type, from payload: JSONValue,
                                              mode: OCPPValidationMode) throws(OCPPValidationError) -> T {
        try PayloadDecoding.decode(type, from: payload, mode: mode, reporting: false).value
    }

    /// Like `decode`, also listing what lenient decoding adjusted (empty in strict mode, where any
    /// deviation is an error).
    public static func decodeReporting<T: OCPPPayload>(_ type: T.Type, from payload: JSONValue,
                                                       mode: OCPPValidationMode) throws(OCPPValidationError)
        -> (value: T, adjustments: [OCPPAdjustment]) {
        try PayloadDecoding.decode(type, from: payload, mode: mode, reporting: true)
    }

    /// Encodes a payload as a JSON object: dates as RFC 3339 UTC with milliseconds, absent
    /// optionals omitted.
    public static func encode<T: OCPPPayload>(_ value: T) -> JSONValue {
        PayloadEncoding.encode(value)
    }
}
