#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// RFC 3339 timestamps, UTC, with milliseconds: `2026-11-21T06:18:00.123Z`.
///
/// Written by hand rather than with `ISO8601DateFormatter` because every bus message carries one
/// and the formatter is both slow and not `Sendable`.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        String(unsafeUninitializedCapacity: formattedLength) { buffer in
            write(date, into: UnsafeMutableRawBufferPointer(buffer))
            return formattedLength
        }
    }

    /// Appends the formatted timestamp's UTF-8 bytes, without an intermediate `String`.
    public static func append(_ date: Date, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: formattedLength, alignment: 1) { buffer in
            write(date, into: buffer)
            bytes.append(contentsOf: buffer)
        }
    }

    /// `YYYY-MM-DDThh:mm:ss.mmmZ`. Years past 9999 are not representable in RFC 3339 and never occur here.
    static let formattedLength = 24

    private static func write(_ date: Date, into buffer: UnsafeMutableRawBufferPointer) {
        let totalMillis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        var seconds = time_t((totalMillis / 1000).rounded(.down))
        var millis = Int(totalMillis - Double(seconds) * 1000)
        if millis < 0 { millis += 1000; seconds -= 1 }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, at offset: Int, width: Int) {
            var value = min(max(value, 0), width == 4 ? 9999 : width == 3 ? 999 : 99)
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, at: 0, width: 4)
        buffer[4] = UInt8(ascii: "-")
        digits(Int(parts.tm_mon) + 1, at: 5, width: 2)
        buffer[7] = UInt8(ascii: "-")
        digits(Int(parts.tm_mday), at: 8, width: 2)
        buffer[10] = UInt8(ascii: "T")
        digits(Int(parts.tm_hour), at: 11, width: 2)
        buffer[13] = UInt8(ascii: ":")
        digits(Int(parts.tm_min), at: 14, width: 2)
        buffer[16] = UInt8(ascii: ":")
        digits(Int(parts.tm_sec), at: 17, width: 2)
        buffer[19] = UInt8(ascii: ".")
        digits(millis, at: 20, width: 3)
        buffer[23] = UInt8(ascii: "Z")
    }

    /// Parses RFC 3339 / ISO 8601 date-times as chargers send them: with or without fractional
    /// seconds, with `Z` or a numeric offset. Returns nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = number(8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            let sign = bytes[index]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                index += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                guard let offHour = number(index + 1, 2), index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                      let offMinute = number(index + 4, 2) else { return nil }
                offsetSeconds = (offHour * 3600 + offMinute * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
                index += 6
            } else {
                return nil
            }
        }
        // A missing offset is read as UTC: OCPP requires UTC, and some chargers omit the `Z`.
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let epoch = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
        return Date(timeIntervalSince1970: epoch)
    }

    /// Howard Hinnant's days-from-civil algorithm: proleptic Gregorian calendar, no time zone database.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
