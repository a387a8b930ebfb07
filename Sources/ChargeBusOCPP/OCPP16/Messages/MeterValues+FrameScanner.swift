import ChargeBusContract
import Foundation

extension OCPP16.MeterValues.Request {
    /// Reads a whole `[2,"<id>","MeterValues",{…}]` frame straight from its bytes, without building a
    /// `JSONValue` tree (the dictionaries and their hashing are most of the cost of a meter frame).
    ///
    /// Only the plain case is handled: string values without escapes, integers without fraction or
    /// exponent, each key once, no other fields. Anything else returns nil and the caller takes
    /// `OCPPFrame.parse` and `decodeIfPlainlyValid`, which decide it exactly; for every frame this
    /// accepts, the result equals theirs (tested, including randomly mutated frames).
    public static func scanPlainFrame(_ bytes: UnsafeRawBufferPointer) -> (messageID: String, request: Self)? {
        var scanner = PlainJSONScanner(bytes)
        guard scanner.take(UInt8(ascii: "[")), scanner.integer() == 2, scanner.take(UInt8(ascii: ",")),
              let messageID = scanner.string(), messageID.utf8.count <= OCPPFrame.maxMessageIDLength,
              scanner.take(UInt8(ascii: ",")), let action = scanner.string(), action == "MeterValues",
              scanner.take(UInt8(ascii: ",")), let request = scanRequest(&scanner),
              scanner.take(UInt8(ascii: "]")), scanner.atEnd
        else { return nil }
        return (messageID, request)
    }

    private static func scanRequest(_ scanner: inout PlainJSONScanner) -> Self? {
        var connectorID: Int?
        var transactionID: Int?
        var meterValues: [OCPP16.MeterValue]?
        let complete = scanner.object { key, scanner in
            switch key {
            case "connectorId" where connectorID == nil:
                guard let value = scanner.integer(), value >= 0 else { return false }
                connectorID = value
            case "transactionId" where transactionID == nil:
                guard let value = scanner.integer() else { return false }
                transactionID = value
            case "meterValue" where meterValues == nil:
                var values: [OCPP16.MeterValue] = []
                guard scanner.array({ scanner in
                    guard let value = scanMeterValue(&scanner) else { return false }
                    values.append(value)
                    return true
                }) else { return false }
                meterValues = values
            default:
                return false
            }
            return true
        }
        guard complete, let connectorID, let meterValues else { return nil }
        return Self(connectorId: connectorID, transactionId: transactionID, meterValue: meterValues)
    }

    private static func scanMeterValue(_ scanner: inout PlainJSONScanner) -> OCPP16.MeterValue? {
        var timestamp: Date?
        var samples: [OCPP16.SampledValue]?
        let complete = scanner.object { key, scanner in
            switch key {
            case "timestamp" where timestamp == nil:
                guard let text = scanner.string(), DecodeState.isRFC3339(text), let date = Timestamp.parse(text) else { return false }
                timestamp = date
            case "sampledValue" where samples == nil:
                var values: [OCPP16.SampledValue] = []
                guard scanner.array({ scanner in
                    guard let sample = scanSampledValue(&scanner) else { return false }
                    values.append(sample)
                    return true
                }) else { return false }
                samples = values
            default:
                return false
            }
            return true
        }
        guard complete, let timestamp, let samples else { return nil }
        return OCPP16.MeterValue(timestamp: timestamp, sampledValue: samples)
    }

    private static func scanSampledValue(_ scanner: inout PlainJSONScanner) -> OCPP16.SampledValue? {
        var sample = OCPP16.SampledValue(value: "")
        var sawValue = false
        let complete = scanner.object { key, scanner in
            guard let text = scanner.string() else { return false }
            // A repeated key leaves the frame to the full parser (there, the last one wins).
            return sample.setPlainField(key, text, sawValue: &sawValue)
        }
        guard complete, sawValue else { return nil }
        return sample
    }
}

/// A cursor over JSON text that understands only the plain subset `scanPlainFrame` accepts, and
/// answers nil/false for anything else.
struct PlainJSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string without escapes or control characters, valid UTF-8.
    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var isASCII = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // Nearly every string of a meter frame is ASCII, which is valid UTF-8 as it is: copying beats the
                // general validation, which was a twentieth of the bridge's time under load.
                guard isASCII else { return String(validating: content, as: UTF8.self) }
                return String(unsafeUninitializedCapacity: content.count) { buffer in
                    _ = buffer.initialize(from: content)
                    return content.count
                }
            }
            guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        return nil
    }

    /// `-?[0-9]+`, not followed by a fraction or exponent, at most 15 digits.
    mutating func integer() -> Int? {
        skipWhitespace()
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            value = value * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        let digits = index - start
        // JSON allows no leading zeros; past 15 digits a Double (what JSONValue keeps) could differ.
        guard digits > 0, digits <= 15, !(digits > 1 && bytes[start] == 0x30) else { return nil }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        if negative && value == 0 { return nil }  // -0 is a Double in JSONValue; leave it to the full parser
        return negative ? -value : value
    }

    /// `{ "key": value, … }`: `member` reads each value and answers false to give up.
    mutating func object(_ member: (String, inout PlainJSONScanner) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), member(key, &self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// `[ element, … ]`.
    mutating func array(_ element: (inout PlainJSONScanner) -> Bool) -> Bool {
        guard take(UInt8(ascii: "[")) else { return false }
        if take(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]"))
    }
}
