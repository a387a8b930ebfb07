import Foundation

extension MeterReading {
    /// The bus payload, byte for byte what `BusCoding.encode` produces (sorted keys, RFC 3339
    /// timestamps, absent optionals omitted), written directly: meter readings are the bulk of a
    /// fleet's traffic, and `JSONEncoder` costs several times more. Falls back to `BusCoding` for
    /// the rare values whose JSON spelling it does not reproduce (exponents, escaped strings).
    public func busJSON() -> [UInt8] {
        if let fast = directJSON() { return fast }
        return (try? BusCoding.encode(self)) ?? Array("{}".utf8)
    }

    private func directJSON() -> [UInt8]? {
        var out = BusJSONWriter()
        out.open()
        out.field("at", date: at)
        if let context, !out.field("context", string: context) { return nil }
        if let currentA, !out.field("currentA", number: currentA) { return nil }
        if let currentOfferedA, !out.field("currentOfferedA", number: currentOfferedA) { return nil }
        if let energyWh, !out.field("energyWh", number: energyWh) { return nil }
        if let invalidReason, !out.field("invalidReason", string: invalidReason) { return nil }
        if let phases {
            out.key("phases")
            out.open()
            for name in phases.keys.sorted() {
                let values = phases[name]!
                guard out.key(escaping: name) else { return nil }
                out.open()
                if let currentA = values.currentA, !out.field("currentA", number: currentA) { return nil }
                if let energyWh = values.energyWh, !out.field("energyWh", number: energyWh) { return nil }
                if let powerW = values.powerW, !out.field("powerW", number: powerW) { return nil }
                if let voltageV = values.voltageV, !out.field("voltageV", number: voltageV) { return nil }
                out.close()
            }
            out.close()
        }
        if let powerOfferedW, !out.field("powerOfferedW", number: powerOfferedW) { return nil }
        if let powerW, !out.field("powerW", number: powerW) { return nil }
        out.field("receivedAt", date: receivedAt)
        if let register, !out.field("register", string: register.rawValue) { return nil }
        if let sessionEnergyWh, !out.field("sessionEnergyWh", number: sessionEnergyWh) { return nil }
        if let soc, !out.field("soc", number: soc) { return nil }
        if let temperatureC, !out.field("temperatureC", number: temperatureC) { return nil }
        switch transactionId {
        case .int(let id)?: out.key("transactionId"); out.raw(String(id))
        case .string(let id)?: if !out.field("transactionId", string: id) { return nil }
        case nil: break
        }
        out.key("valid")
        out.raw(valid ? "true" : "false")
        if let voltageV, !out.field("voltageV", number: voltageV) { return nil }
        out.close()
        return out.bytes
    }
}

/// Writes JSON objects the way `BusCoding`'s encoder spells them, or says it can't (false).
struct BusJSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(256) }

    mutating func open() {
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// A key known to need no escaping.
    mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func key(escaping name: String) -> Bool {
        guard Self.needsNoEscaping(name) else { return false }
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
        return true
    }

    mutating func field(_ name: StaticString, date: Date) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(date, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func field(_ name: StaticString, string: String) -> Bool {
        guard Self.needsNoEscaping(string) else { return false }
        key(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: string.utf8)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
        return true
    }

    mutating func field(_ name: StaticString, number: Double) -> Bool {
        guard let text = Self.spell(number) else { return false }
        key(name)
        bytes.append(contentsOf: text.utf8)
        needsComma = true
        return true
    }

    /// `JSONEncoder`'s spelling of a double, for the range where it is plain decimal notation.
    static func spell(_ number: Double) -> String? {
        guard number.isFinite else { return nil }
        if number == number.rounded(), abs(number) < 1e15, number != 0 || number.sign == .plus {
            return String(Int64(number))
        }
        var text = number.description
        guard !text.contains("e") else { return nil }
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func needsNoEscaping(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 < 0x7F }
    }
}
