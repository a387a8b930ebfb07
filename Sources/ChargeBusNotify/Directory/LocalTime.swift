import Foundation
import Synchronization

// Wall-clock arithmetic for sites and schedules. Everything here goes through a Gregorian
// Calendar set to the place's TimeZone, never through fixed second counts, so "08:00 on Monday"
// stays 08:00 local across DST changes and a day may have 23 or 25 hours.

extension Calendar {
    /// A Gregorian calendar in `timeZone`, with a locale-independent week.
    static func local(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }

    /// Minutes since local midnight (0..<1440) at `date`.
    func minuteOfDay(_ date: Date) -> Int {
        let parts = dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// The local weekday at `date` (Calendar numbering: 1 = Sunday … 7 = Saturday).
    func weekdayNumber(_ date: Date) -> Int { component(.weekday, from: date) }

    /// The instant of `minute` (minutes since midnight, 1440 = the next midnight) on the local day of `day`.
    /// A wall time that does not exist (the hour skipped when clocks go forward) resolves to the
    /// first instant after the gap, as Calendar does.
    func instant(onDayOf day: Date, minute: Int) -> Date? {
        let midnight = startOfDay(for: day)
        guard minute < 1440 else { return date(byAdding: .day, value: 1, to: midnight) }
        var parts = dateComponents([.year, .month, .day], from: midnight)
        parts.hour = minute / 60
        parts.minute = minute % 60
        return date(from: parts)
    }
}

/// Days of the week as written in the config (`mon`, `tuesday`, `mon-fri`).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable {
    case sunday = 1, monday, tuesday, wednesday, thursday, friday, saturday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.mondayFirst < rhs.mondayFirst }

    /// Monday = 0 … Sunday = 6, for ranges and display in the European order the config uses.
    var mondayFirst: Int { (rawValue + 5) % 7 }

    public var short: String {
        switch self {
        case .sunday: "Sun"
        case .monday: "Mon"
        case .tuesday: "Tue"
        case .wednesday: "Wed"
        case .thursday: "Thu"
        case .friday: "Fri"
        case .saturday: "Sat"
        }
    }

    static func named(_ text: String) -> Weekday? {
        let lower = text.lowercased()
        guard lower.count >= 3 else { return nil }
        return allCases.first { fullName($0).hasPrefix(lower) }
    }

    private static func fullName(_ day: Weekday) -> String {
        switch day {
        case .sunday: "sunday"
        case .monday: "monday"
        case .tuesday: "tuesday"
        case .wednesday: "wednesday"
        case .thursday: "thursday"
        case .friday: "friday"
        case .saturday: "saturday"
        }
    }

    /// `mon`, `monday`, or a range `mon-fri` (wrapping: `fri-mon` is Fri, Sat, Sun, Mon).
    static func parse(_ text: String) -> [Weekday]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let ends = trimmed.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        switch ends.count {
        case 1:
            return named(ends[0]).map { [$0] }
        case 2:
            guard let from = named(ends[0]), let to = named(ends[1]) else { return nil }
            var days: [Weekday] = []
            var index = from.mondayFirst
            while true {
                guard let day = allCases.first(where: { $0.mondayFirst == index }) else { return nil }
                days.append(day)
                if index == to.mondayFirst { break }
                index = (index + 1) % 7
            }
            return days
        default:
            return nil
        }
    }

    static let workweek: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday]

    /// `Mon–Fri`, `Sat, Sun`, `every day`.
    static func describe(_ days: Set<Weekday>) -> String {
        if days.count == 7 { return "every day" }
        let sorted = days.sorted()
        let indices = sorted.map(\.mondayFirst)
        if sorted.count > 2, let first = indices.first, let last = indices.last, last - first == sorted.count - 1,
           let a = sorted.first, let b = sorted.last {
            return "\(a.short)–\(b.short)"
        }
        return sorted.map(\.short).joined(separator: ", ")
    }
}

/// Local wall-clock helpers for parsing and display.
public enum LocalClock {
    /// `08:00` → 480; `24:00` → 1440 (only where an end of day is meant).
    static func minutes(_ text: String, allowEndOfDay: Bool = false) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<60).contains(minute) else { return nil }
        if hour == 24 && minute == 0 && allowEndOfDay { return 1440 }
        guard (0..<24).contains(hour) else { return nil }
        return hour * 60 + minute
    }

    static func format(minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// A local date and time `2026-11-02T08:00` (or with a space, or with `:ss`) in `timeZone`.
    /// Refuses impossible dates (Feb 30) instead of letting Calendar roll them over.
    static func dateTime(_ text: String, in timeZone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let halves = trimmed.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard halves.count == 2 else { return nil }
        let dateParts = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        let timeParts = halves[1].split(separator: ":", omittingEmptySubsequences: false)
        guard dateParts.count == 3, dateParts[0].count == 4, (2...3).contains(timeParts.count),
              let year = Int(dateParts[0]), let month = Int(dateParts[1]), let day = Int(dateParts[2]),
              let hour = Int(timeParts[0]), let minute = Int(timeParts[1]),
              (1...12).contains(month), (1...31).contains(day), (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        var second = 0
        if timeParts.count == 3 {
            guard let s = Int(timeParts[2]), (0..<60).contains(s) else { return nil }
            second = s
        }
        let calendar = Calendar.local(timeZone)
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: parts) else { return nil }
        let check = calendar.dateComponents([.year, .month, .day], from: date)
        guard check.year == year, check.month == month, check.day == day else { return nil }
        return date
    }

    /// `2026-11-21 14:02 CET`: what a technician reads on their phone.
    public static func stamp(_ date: Date, in timeZone: TimeZone) -> String {
        let calendar = Calendar.local(timeZone)
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let text = String(format: "%04d-%02d-%02d %02d:%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0)
        return "\(text) \(abbreviation(timeZone, at: date))"
    }

    /// `Sat 10:00 CET`, for reasons.
    static func shortStamp(_ date: Date, in timeZone: TimeZone) -> String {
        let calendar = Calendar.local(timeZone)
        let day = Weekday(rawValue: calendar.weekdayNumber(date))?.short ?? "?"
        return "\(day) \(format(minutes: calendar.minuteOfDay(date))) \(abbreviation(timeZone, at: date))"
    }

    /// `14:02`, for SMS where every character counts.
    static func time(_ date: Date, in timeZone: TimeZone) -> String {
        format(minutes: Calendar.local(timeZone).minuteOfDay(date))
    }

    /// The common abbreviation (CET, CEST, EST, BST). ICU's US English data only knows the American
    /// ones and renders Europe's as GMT+1, so British English is asked second.
    static func abbreviation(_ timeZone: TimeZone, at date: Date) -> String {
        // A 40-alert message formats 120 times; DateFormatter is too slow to build for each.
        let key = "\(timeZone.identifier)|\(timeZone.secondsFromGMT(for: date))|\(timeZone.isDaylightSavingTime(for: date))"
        if let known = abbreviations.withLock({ $0[key] }) { return known }
        let text = formatAbbreviation(timeZone, at: date)
        abbreviations.withLock { $0[key] = text }
        return text
    }

    private static let abbreviations = Mutex<[String: String]>([:])

    private static func formatAbbreviation(_ timeZone: TimeZone, at date: Date) -> String {
        var fallback = ""
        for locale in ["en_US", "en_GB"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: locale)
            formatter.timeZone = timeZone
            formatter.dateFormat = "zzz"
            let text = formatter.string(from: date)
            if fallback.isEmpty { fallback = text }
            if !(text.hasPrefix("GMT+") || text.hasPrefix("GMT-")) { return text }
        }
        return fallback
    }

    /// `12 min`, `3 h 5 min`, `2 d 4 h`: how long something has been going on.
    static func span(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s) s" }
        let minutes = s / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }
}

/// A span of local time on some days of the week. When `end` is not after `start` it runs past
/// midnight into the next day (`fri 18:00–08:00` is Friday evening to Saturday morning), and
/// `start == end` is a whole day from `start`.
public struct LocalTimeWindow: Sendable, Hashable {
    public var days: Set<Weekday>
    /// Minutes since midnight.
    public var start: Int
    /// Minutes since midnight; 1440 is the end of the day.
    public var end: Int

    public init(days: Set<Weekday>, start: Int, end: Int) {
        self.days = days
        self.start = start
        self.end = end
    }

    public static let allDay = LocalTimeWindow(days: Set(Weekday.allCases), start: 0, end: 1440)

    var overnight: Bool { end <= start }

    public func contains(_ date: Date, calendar: Calendar) -> Bool {
        let minute = calendar.minuteOfDay(date)
        guard let today = Weekday(rawValue: calendar.weekdayNumber(date)) else { return false }
        if !overnight { return days.contains(today) && minute >= start && minute < end }
        if days.contains(today) && minute >= start { return true }
        let yesterdayNumber = (today.rawValue + 5) % 7 + 1
        guard let yesterday = Weekday(rawValue: yesterdayNumber) else { return false }
        return days.contains(yesterday) && minute < end
    }

    /// The instants within the next `days` local days at which this window may open or close.
    func boundaries(after date: Date, days count: Int, calendar: Calendar) -> [Date] {
        var result: [Date] = []
        let today = calendar.startOfDay(for: date)
        for offset in -1...count {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            for minute in [start, end] {
                if let instant = calendar.instant(onDayOf: day, minute: minute), instant > date { result.append(instant) }
            }
        }
        return result
    }

    public var description: String {
        let hours = start == 0 && end == 1440 ? "all day" : "\(LocalClock.format(minutes: start))–\(LocalClock.format(minutes: end))"
        return "\(Weekday.describe(days)) \(hours)"
    }
}
