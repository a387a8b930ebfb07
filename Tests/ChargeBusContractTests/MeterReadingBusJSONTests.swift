import ChargeBusContract
import Foundation
import Testing

/// `MeterReading.busJSON()` is written by hand for speed; it must stay byte-identical to the
/// `BusCoding` encoder that every other payload uses.
@Suite struct MeterReadingBusJSONTests {
    static func encoded(_ reading: MeterReading) throws -> String {
        String(decoding: try BusCoding.encode(reading), as: UTF8.self)
    }

    @Test func typicalReadingsAreByteIdentical() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000.123)
        let readings = [
            MeterReading(at: at, receivedAt: at.addingTimeInterval(0.5)),
            MeterReading(at: at, receivedAt: at, energyWh: 12_345, powerW: 7_400, currentA: 32.17, voltageV: 230.4, soc: 55,
                         temperatureC: -3.25, currentOfferedA: 16, powerOfferedW: 11_000,
                         phases: ["L1": .init(powerW: 2_466.7, currentA: 10.7, voltageV: 230.1),
                                  "L2-N": .init(energyWh: 3.5), "L3": .init()],
                         transactionId: .int(42), context: "Sample.Periodic", sessionEnergyWh: 1_234.5, register: .absolute),
            MeterReading(at: at, receivedAt: at, energyWh: 0.1 + 0.2, transactionId: .string("tx-2.0.1-abc"),
                         context: "Transaction.End", register: .relative, valid: false, invalidReason: "exceeds-max-power"),
            MeterReading(at: at, receivedAt: at, energyWh: -0.0, powerW: 0.0001, currentA: 123_456_789_012_345),
        ]
        for reading in readings {
            #expect(String(decoding: reading.busJSON(), as: UTF8.self) == (try Self.encoded(reading)))
        }
    }

    @Test func numbersOfEveryMagnitudeAreByteIdentical() throws {
        var generator = SystemRandomNumberGenerator()
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        var values: [Double] = [0, 1, -1, 1e15, 1e15 - 1, 1e16, 1e21, 1e-4, 9.99e-5, 1e-7, 0.5, 12.000001, .pi, -.pi * 1e10,
                                Double(Int64.max), .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for _ in 0..<2_000 {
            let exponent = Double.random(in: -8...18, using: &generator)
            values.append(Double.random(in: -1...1, using: &generator) * pow(10, exponent))
            values.append((Double.random(in: 0...100_000, using: &generator) * 10).rounded() / 10)
        }
        for value in values {
            let reading = MeterReading(at: at, receivedAt: at, energyWh: value, powerW: value / 3)
            #expect(String(decoding: reading.busJSON(), as: UTF8.self) == (try Self.encoded(reading)), "\(value)")
        }
    }

    @Test func stringsThatNeedEscapingAreByteIdentical() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        for text in ["quote\"d", "back\\slash", "tab\t", "new\nline", "a/b", "é", "😀", "\u{7F}", ""] {
            let reading = MeterReading(at: at, receivedAt: at, phases: [text: .init(powerW: 1)], transactionId: .string(text),
                                       context: text, valid: false, invalidReason: text)
            #expect(String(decoding: reading.busJSON(), as: UTF8.self) == (try Self.encoded(reading)), "\(text)")
        }
    }
}
