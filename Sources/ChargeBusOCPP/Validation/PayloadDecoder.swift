import ChargeBusContract
import Foundation

/// A field path, as a linked list from the leaf up: cheap to extend, rendered only for errors.
final class PathNode: Sendable {
    let parent: PathNode?
    let component: PathComponent

    init(parent: PathNode?, component: PathComponent) {
        self.parent = parent
        self.component = component
    }

    static func render(_ node: PathNode?, _ leaf: PathComponent = .none) -> String {
        var components: [PathComponent] = []
        if case .none = leaf {} else { components.append(leaf) }
        var current = node
        while let node = current {
            components.append(node.component)
            current = node.parent
        }
        var out = ""
        for component in components.reversed() {
            switch component {
            case .none: break
            case .key(let key): out += out.isEmpty ? key : "." + key
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }

    static func extend(_ node: PathNode?, _ component: PathComponent) -> PathNode? {
        if case .none = component { return node }
        return PathNode(parent: node, component: component)
    }

    static func codingPath(_ node: PathNode?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var current = node
        while let node = current {
            switch node.component {
            case .none: break
            case .key(let key): keys.append(AnyCodingKey(stringValue: key))
            case .index(let index): keys.append(AnyCodingKey(intValue: index))
            }
            current = node.parent
        }
        return keys.reversed()
    }
}

enum PathComponent: Sendable {
    case none
    case key(String)
    case index(Int)
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// The keys one JSON object had and which of them the type asked for.
final class KeyTracker {
    let object: [String: JSONValue]
    let path: PathNode?
    var used: Set<String> = []

    init(object: [String: JSONValue], path: PathNode?) {
        self.object = object
        self.path = path
    }
}

/// Per-decode state shared by all containers of one `decode` call.
final class DecodeState {
    let mode: OCPPValidationMode
    let lenient: Bool
    var adjustments: [OCPPAdjustment]?
    /// Trackers of every object decoded through a keyed container; only when unknown fields must
    /// be found (strict mode, or lenient mode when reporting adjustments).
    var trackers: [KeyTracker]?

    init(mode: OCPPValidationMode, reporting: Bool) {
        self.mode = mode
        self.lenient = mode == .lenient
        self.adjustments = reporting ? [] : nil
        self.trackers = (mode == .strict || reporting) ? [] : nil
    }

    // MARK: Errors and adjustments

    func error(_ code: OCPPErrorCode, _ path: PathNode?, _ leaf: PathComponent, _ message: String) -> OCPPValidationError {
        let rendered = PathNode.render(path, leaf)
        if rendered.isEmpty {
            return OCPPValidationError(code: code, description: "payload: \(message)")
        }
        return OCPPValidationError(code: code, description: "\(rendered): \(message)",
                                   details: .object(["field": .string(rendered)]))
    }

    func adjust(_ kind: OCPPAdjustment.Kind, _ path: PathNode?, _ leaf: PathComponent, _ detail: @autoclosure () -> String) {
        guard adjustments != nil else { return }
        adjustments!.append(OCPPAdjustment(path: PathNode.render(path, leaf), kind: kind, detail: String(detail().prefix(80))))
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    func typeError(_ expected: String, _ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent) -> OCPPValidationError {
        error(.typeConstraintViolation, path, leaf, "expected \(expected), got \(DecodeState.typeName(value))")
    }

    // MARK: Primitives

    func decodeString(_ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                      _ constraint: OCPPFieldConstraint?) throws(OCPPValidationError) -> String {
        var string: String
        switch value {
        case .string(let s):
            string = s
        case .number(let number) where lenient:
            string = DecodeState.format(number)
            adjust(.stringFromNumber, path, leaf, string)
        default:
            throw typeError("string", value, path, leaf)
        }
        if let constraint, constraint.uri, !lenient, !DecodeState.isAbsoluteURI(string) {
            throw error(.typeConstraintViolation, path, leaf, "expected a URI, got \"\(string.prefix(40))\"")
        }
        if let maxLength = constraint?.maxLength, string.utf8.count > maxLength {
            let length = string.unicodeScalars.count
            if length > maxLength {
                guard lenient else {
                    throw error(.propertyConstraintViolation, path, leaf, "string longer than \(maxLength) characters (\(length))")
                }
                if constraint?.keepWhole == true {
                    adjust(.overLengthKept, path, leaf, string)
                    return string
                }
                adjust(.truncated, path, leaf, string)
                var scalars = String.UnicodeScalarView()
                scalars.append(contentsOf: string.unicodeScalars.prefix(maxLength))
                string = String(scalars)
            }
        }
        return string
    }

    /// `scheme:rest` with an RFC 3986 scheme, no spaces.
    static func isAbsoluteURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        guard scheme.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || $0 == "+" || $0 == "-" || $0 == "." }) else { return false }
        return !text.contains(" ") && text.index(after: colon) != text.endIndex
    }

    /// `12` → "12", `12.5` → "12.5": how a number sent in a string field is turned into text.
    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 9.0e15 { return String(Int64(number)) }
        return number.description
    }

    func decodeInteger(_ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                       _ constraint: OCPPFieldConstraint?) throws(OCPPValidationError) -> Int {
        let number: Double
        switch value {
        case .number(let n):
            number = n
        case .string(let text) where lenient:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let integer = Int(trimmed) {
                number = Double(integer)
                if let minimum = constraint?.minimum, integer < minimum {
                    throw error(.propertyConstraintViolation, path, leaf, "must be at least \(minimum), got \(integer)")
                }
                adjust(.numberFromString, path, leaf, text)
                return integer
            }
            guard let parsed = Double(trimmed), parsed.isFinite else { throw typeError("integer", value, path, leaf) }
            number = parsed
            adjust(.numberFromString, path, leaf, text)
        default:
            throw typeError("integer", value, path, leaf)
        }
        guard number.rounded() == number else {
            throw error(.typeConstraintViolation, path, leaf, "expected integer, got \(number)")
        }
        guard let integer = Int(exactly: number) else {
            throw error(.propertyConstraintViolation, path, leaf, "integer out of range")
        }
        if let minimum = constraint?.minimum, integer < minimum {
            throw error(.propertyConstraintViolation, path, leaf, "must be at least \(minimum), got \(integer)")
        }
        return integer
    }

    func decodeDouble(_ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                      _ constraint: OCPPFieldConstraint? = nil) throws(OCPPValidationError) -> Double {
        switch value {
        case .number(let n):
            if let step = constraint?.multipleOf, !lenient {
                let ratio = n / step
                guard abs(ratio - ratio.rounded()) < 1e-6 else {
                    throw error(.propertyConstraintViolation, path, leaf, "\(n) is not a multiple of \(step)")
                }
            }
            return n
        case .string(let text) where lenient:
            guard let parsed = Double(text.trimmingCharacters(in: .whitespaces)), parsed.isFinite else {
                throw typeError("number", value, path, leaf)
            }
            adjust(.numberFromString, path, leaf, text)
            return parsed
        default:
            throw typeError("number", value, path, leaf)
        }
    }

    func decodeBool(_ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent) throws(OCPPValidationError) -> Bool {
        switch value {
        case .bool(let flag):
            return flag
        case .string(let text) where lenient:
            switch text.lowercased() {
            case "true": adjust(.boolFromString, path, leaf, text); return true
            case "false": adjust(.boolFromString, path, leaf, text); return false
            default: throw typeError("boolean", value, path, leaf)
            }
        default:
            throw typeError("boolean", value, path, leaf)
        }
    }

    /// Strict: RFC 3339 (`T` separator and a `Z` or numeric offset). Lenient: whatever
    /// `Timestamp.parse` accepts (also a missing offset, read as UTC, and a space separator).
    func decodeDate(_ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent) throws(OCPPValidationError) -> Date {
        guard case .string(let text) = value else { throw typeError("date-time string", value, path, leaf) }
        guard let date = Timestamp.parse(text), lenient || DecodeState.isRFC3339(text) else {
            throw error(.typeConstraintViolation, path, leaf, "expected RFC 3339 date-time, got \"\(text.prefix(40))\"")
        }
        return date
    }

    /// The shape checks `Timestamp.parse` leaves out: a `T`/`t` separator and an explicit offset.
    static func isRFC3339(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count >= 20 else { return false }
        let separator = utf8[utf8.index(utf8.startIndex, offsetBy: 10)]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") else { return false }
        let last = utf8[utf8.index(before: utf8.endIndex)]
        if last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") { return true }
        // ±hh:mm
        let offsetSign = utf8[utf8.index(utf8.endIndex, offsetBy: -6)]
        return offsetSign == UInt8(ascii: "+") || offsetSign == UInt8(ascii: "-")
    }

    func decodeClosedEnum<E: OCPPClosedEnum>(_ type: E.Type, _ value: JSONValue, _ path: PathNode?,
                                             _ leaf: PathComponent) throws(OCPPValidationError) -> E {
        guard case .string(let text) = value else { throw typeError("string", value, path, leaf) }
        if let known = E(rawValue: text) { return known }
        if lenient {
            let folded = text.lowercased()
            if let match = E.allCases.first(where: { $0.rawValue.lowercased() == folded }) {
                adjust(.enumCaseFolded, path, leaf, text)
                return match
            }
            if let fallback = E.lenientFallback {
                adjust(.enumFallback, path, leaf, "\(text) → \(fallback.rawValue)")
                return fallback
            }
        }
        throw error(.propertyConstraintViolation, path, leaf, "\"\(text.prefix(40))\" is not a valid value")
    }

    func decodeOpenEnum<E: OCPPOpenEnum>(_ type: E.Type, _ value: JSONValue, _ path: PathNode?,
                                         _ leaf: PathComponent) throws(OCPPValidationError) -> E {
        guard case .string(let text) = value else { throw typeError("string", value, path, leaf) }
        if E.knownValues.contains(text) { return E(rawValue: text) }
        guard lenient else {
            throw error(.propertyConstraintViolation, path, leaf, "\"\(text.prefix(40))\" is not a valid value")
        }
        let folded = text.lowercased()
        if let match = E.knownValues.first(where: { $0.lowercased() == folded }) {
            adjust(.enumCaseFolded, path, leaf, text)
            return E(rawValue: match)
        }
        adjust(.unknownEnumKept, path, leaf, text)
        return E(rawValue: text)
    }

    // MARK: Any value

    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                              _ constraint: OCPPFieldConstraint?) throws -> T {
        if T.self == String.self { return try decodeString(value, path, leaf, constraint) as! T }
        if T.self == Int.self { return try decodeInteger(value, path, leaf, constraint) as! T }
        if T.self == Double.self { return try decodeDouble(value, path, leaf, constraint) as! T }
        if T.self == Bool.self { return try decodeBool(value, path, leaf) as! T }
        if T.self == Date.self { return try decodeDate(value, path, leaf) as! T }
        if T.self == JSONValue.self {
            if let constraint, constraint.textOnly, !lenient, value.stringValue == nil {
                throw typeError("string", value, path, leaf)
            }
            return value as! T
        }
        // Everything else decodes itself; OCPP enums recognize `PayloadDecoder` and call back into
        // `decodeClosedEnum`/`decodeOpenEnum` (cheaper than asking every type for its conformances).
        return try T(from: PayloadDecoder(state: self, value: value, parent: path, leaf: leaf, constraint: constraint))
    }

    /// For an optional field that is present: `nil` when lenient mode treats it as absent.
    func decodeOptional<T: Decodable>(_ type: T.Type, from value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                                      _ constraint: OCPPFieldConstraint?) throws -> T? {
        if case .null = value {
            guard lenient else { throw typeError(DecodeState.expectedName(T.self), value, path, leaf) }
            adjust(.nullAsAbsent, path, leaf, "null")
            return nil
        }
        guard lenient else { return try decode(type, from: value, path, leaf, constraint) }
        if T.self == String.self, case .string("null") = value {
            adjust(.nullAsAbsent, path, leaf, "\"null\"")
            return nil
        }
        if T.self == Date.self {
            do {
                return try decodeDate(value, path, leaf) as? T
            } catch {
                adjust(.invalidOptionalDropped, path, leaf, value.stringValue ?? DecodeState.typeName(value))
                return nil
            }
        }
        if T.self == String.self || T.self == Int.self || T.self == Double.self || T.self == Bool.self || T.self == JSONValue.self {
            return try decode(type, from: value, path, leaf, constraint)
        }
        do {
            return try T(from: PayloadDecoder(state: self, value: value, parent: path, leaf: leaf, constraint: constraint,
                                              dropIfInvalid: true))
        } catch is DropInvalidOptional {
            adjust(.invalidOptionalDropped, path, leaf, value.stringValue ?? DecodeState.typeName(value))
            return nil
        }
    }

    static func expectedName<T>(_ type: T.Type) -> String {
        if T.self == String.self { return "string" }
        if T.self == Int.self { return "integer" }
        if T.self == Double.self { return "number" }
        if T.self == Bool.self { return "boolean" }
        if T.self == Date.self { return "date-time string" }
        if T.self is any OCPPClosedEnum.Type || T.self is any OCPPOpenEnum.Type { return "string" }
        return "a non-null value"
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSONValue, _ path: PathNode?, _ leaf: PathComponent,
                                       _ constraint: OCPPFieldConstraint?) throws(OCPPValidationError) -> I {
        let integer = try decodeInteger(value, path, leaf, constraint)
        guard let converted = I(exactly: integer) else { throw error(.propertyConstraintViolation, path, leaf, "integer out of range") }
        return converted
    }

    // MARK: Unknown fields

    /// After a successful decode: fields the types never asked for.
    func checkUnknownFields(root: [String: JSONValue]) throws(OCPPValidationError) {
        guard let trackers else { return }
        var sawRoot = false
        for tracker in trackers {
            if tracker.path == nil { sawRoot = true }
            for key in tracker.object.keys.sorted() where !tracker.used.contains(key) {
                try unknownField(key, tracker.path)
            }
        }
        if !sawRoot {
            for key in root.keys.sorted() { try unknownField(key, nil) }
        }
    }

    private func unknownField(_ key: String, _ path: PathNode?) throws(OCPPValidationError) {
        if lenient {
            adjust(.unknownFieldIgnored, path, .key(key), key)
        } else {
            throw error(.formationViolation, path, .key(key), "unknown field")
        }
    }
}

enum PayloadDecoding {
    static func decode<T: OCPPPayload>(_ type: T.Type, from payload: JSONValue, mode: OCPPValidationMode,
                                       reporting: Bool) throws(OCPPValidationError) -> (value: T, adjustments: [OCPPAdjustment]) {
        guard case .object(let root) = payload else {
            throw OCPPValidationError(code: .formationViolation,
                                      description: "payload: expected a JSON object, got \(DecodeState.typeName(payload))")
        }
        let state = DecodeState(mode: mode, reporting: reporting)
        do {
            let value = try T(from: PayloadDecoder(state: state, value: payload, parent: nil, leaf: .none, constraint: nil))
            try state.checkUnknownFields(root: root)
            return (value, state.adjustments ?? [])
        } catch let error as OCPPValidationError {
            throw error
        } catch let error as DecodingError {
            throw map(error)
        } catch {
            throw OCPPValidationError(code: .formationViolation, description: "payload: \(error)")
        }
    }

    /// Errors thrown by hand-written `init(from:)` code rather than by this decoder.
    private static func map(_ error: DecodingError) -> OCPPValidationError {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return out.isEmpty ? "payload" : out
        }
        switch error {
        case .keyNotFound(let key, let context):
            let rendered = path(context.codingPath + [key])
            return OCPPValidationError(code: .occurrenceConstraintViolation, description: "\(rendered): required",
                                       details: .object(["field": .string(rendered)]))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let rendered = path(context.codingPath)
            return OCPPValidationError(code: .typeConstraintViolation, description: "\(rendered): \(context.debugDescription)",
                                       details: .object(["field": .string(rendered)]))
        case .dataCorrupted(let context):
            let rendered = path(context.codingPath)
            return OCPPValidationError(code: .propertyConstraintViolation, description: "\(rendered): \(context.debugDescription)",
                                       details: .object(["field": .string(rendered)]))
        @unknown default:
            return OCPPValidationError(code: .formationViolation, description: "payload: \(error)")
        }
    }
}

/// Thrown by a closed enum decoded for an optional field in lenient mode when its value is
/// invalid: the field is then dropped. Never escapes `DecodeState.decodeOptional`.
struct DropInvalidOptional: Error {}

/// A `Decoder` over one `JSONValue` at `parent` + `leaf`.
struct PayloadDecoder: Decoder, SingleValueDecodingContainer {
    let state: DecodeState
    let value: JSONValue
    let parent: PathNode?
    let leaf: PathComponent
    let constraint: OCPPFieldConstraint?
    /// Set for optional fields in lenient mode: an invalid enum value may be dropped.
    var dropIfInvalid = false

    /// The path of this value, allocated only when a container needs it.
    var path: PathNode? { PathNode.extend(parent, leaf) }
    var codingPath: [any CodingKey] { PathNode.codingPath(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw state.typeError("object", value, parent, leaf) }
        let path = self.path
        var tracker: KeyTracker?
        if state.trackers != nil {
            let created = KeyTracker(object: object, path: path)
            state.trackers!.append(created)
            tracker = created
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(state: state, object: object, path: path, tracker: tracker))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw state.typeError("array", value, parent, leaf) }
        if let constraint, !state.lenient {
            if let minItems = constraint.minItems, array.count < minItems {
                throw state.error(.occurrenceConstraintViolation, parent, leaf, "expected at least \(minItems) elements, got \(array.count)")
            }
            if let maxItems = constraint.maxItems, array.count > maxItems {
                throw state.error(.occurrenceConstraintViolation, parent, leaf, "expected at most \(maxItems) elements, got \(array.count)")
            }
        }
        return UnkeyedContainer(state: state, array: array, path: path, elementConstraint: constraint)
    }

    func decodeClosedEnum<E: OCPPClosedEnum>(_ type: E.Type) throws -> E {
        do {
            return try state.decodeClosedEnum(type, value, parent, leaf)
        } catch {
            if dropIfInvalid, state.lenient { throw DropInvalidOptional() }
            throw error
        }
    }

    func decodeOpenEnum<E: OCPPOpenEnum>(_ type: E.Type) throws -> E {
        try state.decodeOpenEnum(type, value, parent, leaf)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // SingleValueDecodingContainer
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try state.decodeBool(value, parent, leaf) }
    func decode(_ type: String.Type) throws -> String { try state.decodeString(value, parent, leaf, constraint) }
    func decode(_ type: Double.Type) throws -> Double { try state.decodeDouble(value, parent, leaf, constraint) }
    func decode(_ type: Float.Type) throws -> Float { Float(try state.decodeDouble(value, parent, leaf)) }
    func decode(_ type: Int.Type) throws -> Int { try state.decodeInteger(value, parent, leaf, constraint) }
    func decode(_ type: Int8.Type) throws -> Int8 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: Int16.Type) throws -> Int16 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: Int32.Type) throws -> Int32 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: Int64.Type) throws -> Int64 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: UInt.Type) throws -> UInt { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try state.integer(type, value, parent, leaf, constraint) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try state.integer(type, value, parent, leaf, constraint) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // Special types (String, Date, enums…) are handled by the state; anything else decodes
        // itself from this same decoder.
        try state.decode(type, from: value, parent, leaf, constraint)
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let state: DecodeState
    let object: [String: JSONValue]
    let path: PathNode?
    let tracker: KeyTracker?
    /// Whether the keys carry constraints: one conformance check per object, not per field.
    let constrainedKeys: Bool

    init(state: DecodeState, object: [String: JSONValue], path: PathNode?, tracker: KeyTracker?) {
        self.state = state
        self.object = object
        self.path = path
        self.tracker = tracker
        self.constrainedKeys = Key.self is any OCPPCodingKey.Type
    }

    var codingPath: [any CodingKey] { PathNode.codingPath(path) }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    @inline(__always)
    private func lookup(_ key: Key) -> JSONValue? {
        let name = key.stringValue
        tracker?.used.insert(name)
        return object[name]
    }

    @inline(__always)
    private func constraint(_ key: Key) -> OCPPFieldConstraint? {
        constrainedKeys ? (key as? any OCPPCodingKey)?.constraint : nil
    }

    private func required(_ key: Key) throws -> JSONValue {
        guard let value = lookup(key) else {
            throw state.error(.occurrenceConstraintViolation, path, .key(key.stringValue), "required")
        }
        return value
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = lookup(key) else { return true }
        return value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try state.decode(type, from: try required(key), path, .key(key.stringValue), constraint(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = lookup(key) else { return nil }
        return try state.decodeOptional(type, from: value, path, .key(key.stringValue), constraint(key))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type as Bool.Type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type as String.Type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type as Double.Type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type as Int.Type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(type as String.Type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(type as Int.Type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(type as Double.Type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(type as Bool.Type, key) }

    private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try state.decode(type, from: try required(key), path, .key(key.stringValue), constraint(key))
    }

    private func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let value = lookup(key) else { return nil }
        return try state.decodeOptional(type, from: value, path, .key(key.stringValue), constraint(key))
    }

    private func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        try state.integer(type, try required(key), path, .key(key.stringValue), constraint(key))
    }

    private func subDecoder(_ key: Key) throws -> PayloadDecoder {
        PayloadDecoder(state: state, value: try required(key), parent: path, leaf: .key(key.stringValue), constraint: constraint(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> {
        try subDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try subDecoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        PayloadDecoder(state: state, value: .object(object), parent: path, leaf: .none, constraint: nil)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try subDecoder(key) }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let state: DecodeState
    let array: [JSONValue]
    let path: PathNode?
    let elementConstraint: OCPPFieldConstraint?
    private(set) var currentIndex = 0

    init(state: DecodeState, array: [JSONValue], path: PathNode?, elementConstraint: OCPPFieldConstraint?) {
        self.state = state
        self.array = array
        self.path = path
        self.elementConstraint = elementConstraint
    }

    var codingPath: [any CodingKey] { PathNode.codingPath(path) }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next() throws -> (JSONValue, PathComponent) {
        guard currentIndex < array.count else {
            throw state.error(.occurrenceConstraintViolation, path, .index(currentIndex), "missing array element")
        }
        defer { currentIndex += 1 }
        return (array[currentIndex], .index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < array.count, array[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, leaf) = try next()
        return try state.decode(type, from: value, path, leaf, elementConstraint)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(type as Bool.Type, generic: ()) }
    mutating func decode(_ type: String.Type) throws -> String { try decode(type as String.Type, generic: ()) }
    mutating func decode(_ type: Double.Type) throws -> Double { try decode(type as Double.Type, generic: ()) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self, generic: ())) }
    mutating func decode(_ type: Int.Type) throws -> Int { try decode(type as Int.Type, generic: ()) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private mutating func decode<T: Decodable>(_ type: T.Type, generic: Void) throws -> T {
        let (value, leaf) = try next()
        return try state.decode(type, from: value, path, leaf, elementConstraint)
    }

    private mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let (value, leaf) = try next()
        return try state.integer(type, value, path, leaf, elementConstraint)
    }

    private mutating func subDecoder() throws -> PayloadDecoder {
        let (value, leaf) = try next()
        return PayloadDecoder(state: state, value: value, parent: path, leaf: leaf, constraint: elementConstraint)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try subDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try subDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try subDecoder() }
}
