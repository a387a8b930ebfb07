import ChargeBusContract

/// One OCPP-J RPC frame.
///
/// `[2,"<id>","<Action>",{payload}]` CALL, `[3,"<id>",{payload}]` CALLRESULT,
/// `[4,"<id>","<errorCode>","<errorDescription>",{errorDetails}]` CALLERROR.
public enum OCPPFrame: Sendable, Hashable {
    case call(messageID: String, action: String, payload: JSONValue)
    case callResult(messageID: String, payload: JSONValue)
    case callError(messageID: String, code: String, description: String, details: JSONValue)

    public static let callTypeID = 2
    public static let callResultTypeID = 3
    public static let callErrorTypeID = 4
    /// OCPP-J: "The message ID … maximum length of 36 characters".
    public static let maxMessageIDLength = 36

    public var messageID: String {
        switch self {
        case .call(let id, _, _), .callResult(let id, _), .callError(let id, _, _, _): id
        }
    }

    public var messageTypeID: Int {
        switch self {
        case .call: OCPPFrame.callTypeID
        case .callResult: OCPPFrame.callResultTypeID
        case .callError: OCPPFrame.callErrorTypeID
        }
    }

    // MARK: Parsing

    /// Parses one WebSocket text message. Throws `OCPPFrameError` for malformed input.
    ///
    /// Strictness: CALL and CALLRESULT payloads must be JSON objects; extra trailing elements are
    /// a FormationViolation. One leniency: a CALLERROR without its errorDetails element (or with
    /// non-object details) is accepted with details `{}`/as sent, because a CALLERROR cannot be
    /// answered and dropping it would leave the pending call to time out.
    public static func parse(_ text: String) throws(OCPPFrameError) -> OCPPFrame {
        var text = text
        let result: Result<OCPPFrame, OCPPFrameError> = text.withUTF8 { buffer in
            do throws(OCPPFrameError) { return .success(try parse(buffer: buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one WebSocket text message of a session speaking `version`: like `parse(_:)`, with
    /// errors adapted to that version's RPC rules (`OCPPFrameError.adapted(for:)`). For `.v16`
    /// this is exactly `parse(_:)`; for `.v201` an unknown message type number is answered with
    /// `MessageTypeNotSupported` instead of being ignored.
    public static func parse(_ text: String, version: OCPPVersion) throws(OCPPFrameError) -> OCPPFrame {
        do throws(OCPPFrameError) { return try parse(text) } catch { throw error.adapted(for: version) }
    }

    /// `parse(bytes:)` with errors adapted to `version`, like `parse(_:version:)`.
    public static func parse(bytes: some Collection<UInt8>, version: OCPPVersion) throws(OCPPFrameError) -> OCPPFrame {
        do throws(OCPPFrameError) { return try parse(bytes: bytes) } catch { throw error.adapted(for: version) }
    }

    /// `parse(value:)` with errors adapted to `version`, like `parse(_:version:)`.
    public static func parse(value: JSONValue, version: OCPPVersion) throws(OCPPFrameError) -> OCPPFrame {
        do throws(OCPPFrameError) { return try parse(value: value) } catch { throw error.adapted(for: version) }
    }

    /// Parses from UTF-8 bytes without an intermediate `String` when the collection has
    /// contiguous storage (`[UInt8]`, `ArraySlice`, NIO's `ByteBufferView`…).
    public static func parse(bytes: some Collection<UInt8>) throws(OCPPFrameError) -> OCPPFrame {
        let contiguous: Result<OCPPFrame, OCPPFrameError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(OCPPFrameError) { return .success(try parse(buffer: buffer)) } catch { return .failure(error) }
        }
        if let contiguous { return try contiguous.get() }
        let copy = Array(bytes)
        let result: Result<OCPPFrame, OCPPFrameError> = copy.withUnsafeBufferPointer { buffer in
            do throws(OCPPFrameError) { return .success(try parse(buffer: buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(OCPPFrameError) -> OCPPFrame {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer)
        } catch {
            let prefix = recoverPrefix(buffer)
            throw OCPPFrameError(code: .formationViolation, messageID: prefix.messageID,
                                 description: "Not JSON: \(error.message) at byte \(error.offset)",
                                 messageTypeID: prefix.typeID)
        }
        return try parse(value: value)
    }

    /// Interprets an already parsed JSON value as a frame.
    public static func parse(value: JSONValue) throws(OCPPFrameError) -> OCPPFrame {
        guard case .array(let elements) = value else {
            throw OCPPFrameError(code: .formationViolation, description: "Frame is not a JSON array")
        }
        guard let first = elements.first else {
            throw OCPPFrameError(code: .protocolError, description: "Frame is empty: missing message type")
        }
        guard case .number(let typeNumber) = first, typeNumber.rounded() == typeNumber, abs(typeNumber) < 1e9 else {
            throw OCPPFrameError(code: .formationViolation, messageID: elements.count > 1 ? elements[1].stringValue : nil,
                                 description: "Message type is not an integer")
        }
        let typeID = Int(typeNumber)
        // The message id, when present and a string, so errors can reference it.
        let messageID = elements.count > 1 ? elements[1].stringValue : nil
        func error(_ code: OCPPErrorCode, _ description: String, ignorable: Bool = false) -> OCPPFrameError {
            OCPPFrameError(code: code, messageID: messageID, description: description, isIgnorable: ignorable, messageTypeID: typeID)
        }
        let expectedCount: Int
        switch typeID {
        case callTypeID: expectedCount = 4
        case callResultTypeID: expectedCount = 3
        case callErrorTypeID: expectedCount = 5
        default:
            throw error(.messageTypeNotSupported, "Unknown message type \(typeID)", ignorable: true)
        }
        guard elements.count > 1 else { throw error(.protocolError, "Missing message id") }
        guard let id = messageID else { throw error(.formationViolation, "Message id is not a string") }
        guard id.utf8.count <= maxMessageIDLength || id.count <= maxMessageIDLength else {
            throw error(.formationViolation, "Message id longer than \(maxMessageIDLength) characters")
        }
        if elements.count > expectedCount {
            throw error(.formationViolation, "Too many elements: \(elements.count), expected \(expectedCount)")
        }
        switch typeID {
        case callTypeID:
            guard elements.count > 2 else { throw error(.protocolError, "Missing action") }
            guard case .string(let action) = elements[2] else { throw error(.formationViolation, "Action is not a string") }
            guard elements.count > 3 else { throw error(.protocolError, "Missing payload") }
            guard case .object = elements[3] else { throw error(.formationViolation, "Payload is not a JSON object") }
            return .call(messageID: id, action: action, payload: elements[3])
        case callResultTypeID:
            guard elements.count > 2 else { throw error(.protocolError, "Missing payload") }
            guard case .object = elements[2] else { throw error(.formationViolation, "Payload is not a JSON object") }
            return .callResult(messageID: id, payload: elements[2])
        default:
            guard elements.count > 2 else { throw error(.protocolError, "Missing error code") }
            guard case .string(let code) = elements[2] else { throw error(.formationViolation, "Error code is not a string") }
            guard elements.count > 3 else { throw error(.protocolError, "Missing error description") }
            guard case .string(let description) = elements[3] else {
                throw error(.formationViolation, "Error description is not a string")
            }
            let details = elements.count > 4 ? elements[4] : .object([:])
            return .callError(messageID: id, code: code, description: description, details: details)
        }
    }

    /// Reads `[ <int> , "<id>"` from the start of text that failed to parse as JSON.
    private static func recoverPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> (typeID: Int?, messageID: String?) {
        var index = 0
        func skip() { while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 } }
        skip()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return (nil, nil) }
        index += 1
        skip()
        var typeID = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, digits < 4 {
            typeID = typeID * 10 + Int(bytes[index] - 0x30)
            digits += 1
            index += 1
        }
        guard digits > 0 else { return (nil, nil) }
        skip()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return (typeID, nil) }
        index += 1
        skip()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return (typeID, nil) }
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), index - start <= maxMessageIDLength * 4 else {
            return (typeID, nil)
        }
        let id = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return (typeID, id)
    }

    // MARK: Serialization

    /// Compact JSON, no whitespace, object keys sorted.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The UTF-8 bytes of `serialized()`.
    public func serializedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(UInt8(ascii: "["))
        switch self {
        case .call(let id, let action, let payload):
            out.append(UInt8(ascii: "2"))
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(id, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(action, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.write(payload, into: &out)
        case .callResult(let id, let payload):
            out.append(UInt8(ascii: "3"))
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(id, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.write(payload, into: &out)
        case .callError(let id, let code, let description, let details):
            out.append(UInt8(ascii: "4"))
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(id, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(code, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(description, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.write(details, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
