import ChargeBusContract

/// One OCPP-J 1.6 RPC frame:
/// `[2,"id","Action",{…}]` CALL, `[3,"id",{…}]` CALLRESULT, `[4,"id","ErrorCode","description",{…}]` CALLERROR.
public enum OCPPFrame: Sendable, Hashable {
    case call(id: String, action: String, payload: JSONValue)
    case callResult(id: String, payload: JSONValue)
    case callError(id: String, code: String, description: String, details: JSONValue)

    /// The OCPP 1.6 CALLERROR codes (with the spec's own spelling of `OccurenceConstraintViolation`).
    public enum ErrorCode: String, Sendable, CaseIterable {
        case notImplemented = "NotImplemented"
        case notSupported = "NotSupported"
        case internalError = "InternalError"
        case protocolError = "ProtocolError"
        case securityError = "SecurityError"
        case formationViolation = "FormationViolation"
        case propertyConstraintViolation = "PropertyConstraintViolation"
        case occurenceConstraintViolation = "OccurenceConstraintViolation"
        case typeConstraintViolation = "TypeConstraintViolation"
        case genericError = "GenericError"
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var reason: String
        /// The message id when it could be read, so a CALLERROR can still be answered.
        public var messageID: String?
        public var description: String { "invalid OCPP-J frame: \(reason)" }
    }

    public var messageID: String {
        switch self {
        case .call(let id, _, _), .callResult(let id, _), .callError(let id, _, _, _): return id
        }
    }

    /// The frame as it goes on the wire (text WebSocket frame).
    public var text: String {
        var out = ""
        out.reserveCapacity(160)
        switch self {
        case .call(let id, let action, let payload):
            out += "[2,"
            JSONText.writeString(id, into: &out)
            out += ","
            JSONText.writeString(action, into: &out)
            out += ","
            JSONText.write(payload, into: &out)
        case .callResult(let id, let payload):
            out += "[3,"
            JSONText.writeString(id, into: &out)
            out += ","
            JSONText.write(payload, into: &out)
        case .callError(let id, let code, let description, let details):
            out += "[4,"
            JSONText.writeString(id, into: &out)
            out += ","
            JSONText.writeString(code, into: &out)
            out += ","
            JSONText.writeString(description, into: &out)
            out += ","
            JSONText.write(details, into: &out)
        }
        out += "]"
        return out
    }

    public static func callError(id: String, _ code: ErrorCode, _ description: String) -> OCPPFrame {
        .callError(id: id, code: code.rawValue, description: description, details: .object([:]))
    }

    /// Parses a text frame. Unknown message type numbers are reported as errors (the caller ignores them).
    public init(text: String) throws(ParseError) {
        let value: JSONValue
        do {
            value = try JSONText.parse(text)
        } catch {
            throw ParseError(reason: error.description)
        }
        try self.init(json: value)
    }

    public init(bytes: [UInt8]) throws(ParseError) {
        let value: JSONValue
        do {
            value = try JSONText.parse(bytes)
        } catch {
            throw ParseError(reason: error.description)
        }
        try self.init(json: value)
    }

    public init(json value: JSONValue) throws(ParseError) {
        guard case .array(let items) = value, items.count >= 3 else {
            throw ParseError(reason: "not an array of at least 3 elements")
        }
        guard let type = items[0].numberValue else { throw ParseError(reason: "message type is not a number") }
        guard let id = items[1].stringValue else { throw ParseError(reason: "message id is not a string") }
        switch type {
        case 2:
            guard items.count == 4, let action = items[2].stringValue else {
                throw ParseError(reason: "CALL needs [2, id, action, payload]", messageID: id)
            }
            guard case .object = items[3] else { throw ParseError(reason: "CALL payload is not an object", messageID: id) }
            self = .call(id: id, action: action, payload: items[3])
        case 3:
            guard items.count == 3 else { throw ParseError(reason: "CALLRESULT needs [3, id, payload]", messageID: id) }
            self = .callResult(id: id, payload: items[2])
        case 4:
            guard items.count >= 4, let code = items[2].stringValue, let description = items[3].stringValue else {
                throw ParseError(reason: "CALLERROR needs [4, id, code, description, details]", messageID: id)
            }
            self = .callError(id: id, code: code, description: description, details: items.count > 4 ? items[4] : .object([:]))
        default:
            throw ParseError(reason: "unknown message type \(type)", messageID: id)
        }
    }
}
