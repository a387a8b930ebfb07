import Foundation

/// `{root}/chargers/{cp}/events/{name}`, QoS 1, not retained: DataTransfer, firmware, diagnostics,
/// security events and call errors, carried with the charger's own fields in `data`.
public struct ChargerEvent: Codable, Sendable, Hashable {
    public var at: Date
    public var name: ChargerEventName
    public var data: JSONValue

    public init(at: Date, name: ChargerEventName, data: JSONValue) {
        self.at = at
        self.name = name
        self.data = data
    }
}

/// `{root}/chargers/{cp}/ocpp`, QoS 0: every raw frame in and out, for the field debug console.
public enum OCPPFrameLog {
    public enum Direction: String, Sendable { case `in`, out }

    /// Builds the payload without re-encoding the frame: a valid frame is embedded as is, a frame
    /// that is not JSON is embedded as a string with `"malformed":true`.
    public static func payload(at: Date, direction: Direction, rawFrame: String, isValidJSON: Bool) -> String {
        var frame = isValidJSON ? rawFrame : jsonStringLiteral(rawFrame)
        let bytes = frame.withUTF8 { write(at: at, direction: direction, frameJSON: UnsafeRawBufferPointer($0), malformed: !isValidJSON) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `payload(at:direction:rawFrame:isValidJSON: true)` as bytes, built straight from the frame's bytes: the hot
    /// path logs two frames per OCPP message, and going through `String` copied each of them three times.
    public static func payload(at: Date, direction: Direction, validFrame frame: UnsafeRawBufferPointer) -> [UInt8] {
        write(at: at, direction: direction, frameJSON: frame, malformed: false)
    }

    /// The one writer of the payload's format; `frameJSON` is already JSON (the frame, or its string literal).
    private static func write(at: Date, direction: Direction, frameJSON: UnsafeRawBufferPointer, malformed: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frameJSON.count + 72)
        bytes.append(contentsOf: #"{"at":""#.utf8)
        Timestamp.append(at, to: &bytes)
        bytes.append(contentsOf: direction == .in ? #"","dir":"in","frame":"#.utf8 : #"","dir":"out","frame":"#.utf8)
        bytes.append(contentsOf: frameJSON)
        if malformed { bytes.append(contentsOf: #","malformed":true"#.utf8) }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    public static func jsonStringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
