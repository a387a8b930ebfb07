import Foundation

/// Members taking turns: member `n mod count` is on call during the n-th period after `start`.
/// Periods are whole local days, so a weekly handoff at Monday 08:00 stays at 08:00 local when the
/// clocks change (that week is 167 or 169 hours long).
public struct Rotation: Sendable, Hashable {
    public var name: String
    public var members: [String]
    /// The first handoff, an instant whose local wall time is the handoff time.
    public var start: Date
    public var periodDays: Int

    public init(name: String, members: [String], start: Date, periodDays: Int) {
        self.name = name
        self.members = members
        self.start = start
        self.periodDays = periodDays
    }

    /// The slot in force at `date` (before `start` the rotation is extended backwards) and when it
    /// began and ends.
    func slot(at date: Date, calendar: Calendar) -> (index: Int, member: String, from: Date, to: Date)? {
        guard !members.isEmpty, periodDays > 0 else { return nil }
        func handoff(_ n: Int) -> Date? { calendar.date(byAdding: .day, value: n * periodDays, to: start) }
        // A first guess from elapsed seconds is off by at most one around DST; walk to the exact slot.
        var n = Int((date.timeIntervalSince(start) / (Double(periodDays) * 86_400)).rounded(.down))
        var guardSteps = 0
        while let from = handoff(n), from > date, guardSteps < 4 { n -= 1; guardSteps += 1 }
        while let next = handoff(n + 1), next <= date, guardSteps < 8 { n += 1; guardSteps += 1 }
        guard let from = handoff(n), let to = handoff(n + 1) else { return nil }
        let count = members.count
        let index = ((n % count) + count) % count
        return (index, members[index], from, to)
    }
}

/// Part of the week served by one rotation (`weekday` Mon–Fri 08:00–18:00, `after-hours` the rest).
public struct OnCallWindow: Sendable, Hashable {
    public var name: String
    public var time: LocalTimeWindow
    public var rotation: String

    public init(name: String, time: LocalTimeWindow, rotation: String) {
        self.name = name
        self.time = time
        self.rotation = rotation
    }
}

/// Someone else is on call from `from` to `to` (holiday cover, a swap).
public struct OnCallOverride: Sendable, Hashable {
    public var from: Date
    public var to: Date
    public var technicians: [String]
    public var reason: String

    public init(from: Date, to: Date, technicians: [String], reason: String) {
        self.from = from
        self.to = to
        self.technicians = technicians
        self.reason = reason
    }
}

/// An on-call schedule: windows of the week, each served by a rotation, with overrides on top.
/// Without windows the `default` rotation serves all the time.
public struct OnCallSchedule: Sendable, Hashable {
    public var id: String
    /// Sites covered directly.
    public var sites: [String]
    /// A technician group whose members' sites are covered too.
    public var group: String?
    public var timeZone: TimeZone
    public var rotations: [String: Rotation]
    /// First match wins; a time no window covers is a gap (nobody on call) unless an override covers it.
    public var windows: [OnCallWindow]
    /// The last matching override wins, so a later entry can patch an earlier one.
    public var overrides: [OnCallOverride]

    public init(id: String, sites: [String] = [], group: String? = nil, timeZone: TimeZone, rotations: [String: Rotation],
                windows: [OnCallWindow] = [], overrides: [OnCallOverride] = []) {
        self.id = id
        self.sites = sites
        self.group = group
        self.timeZone = timeZone
        self.rotations = rotations
        self.windows = windows
        self.overrides = overrides
    }

    /// The rotation name used when there are no windows.
    public static let defaultRotation = "default"

    /// The answer without `until`, and what it rests on (`key`): the answer changes when the key
    /// does, not when only the wording of a reason (the time in a gap's reason) does.
    private func state(at date: Date, calendar: Calendar) -> (technicians: [String], reason: String, key: String) {
        if let index = overrides.lastIndex(where: { $0.from <= date && date < $0.to }) {
            let override = overrides[index]
            let to = LocalClock.stamp(override.to, in: timeZone)
            return (override.technicians, "override: \(override.reason) (until \(to))", "override \(index)")
        }
        let window: OnCallWindow?
        if windows.isEmpty {
            window = OnCallWindow(name: "", time: .allDay, rotation: Self.defaultRotation)
        } else {
            window = windows.first { $0.time.contains(date, calendar: calendar) }
        }
        guard let window else {
            return ([], "nobody on call: no window covers \(LocalClock.shortStamp(date, in: timeZone))", "gap")
        }
        guard let rotation = rotations[window.rotation], let slot = rotation.slot(at: date, calendar: calendar) else {
            return ([], "nobody on call: rotation \(window.rotation) has no members", "gap")
        }
        let place = window.name.isEmpty ? "" : "window \(window.name) (\(window.time.description)), "
        let label = rotation.name == Self.defaultRotation ? "rotation" : "rotation \(rotation.name)"
        return ([slot.member], "\(place)\(label) slot \(slot.index + 1) of \(rotation.members.count)",
                "window \(window.name) rotation \(rotation.name) slot \(slot.index)")
    }

    /// How far ahead `until` is looked for.
    static let horizonDays = 8

    func onCall(at date: Date) -> OnCallAnswer {
        let calendar = Calendar.local(timeZone)
        let now = state(at: date, calendar: calendar)
        // Every instant at which the answer could change; the first one where it does is `until`.
        var candidates: [Date] = []
        for window in windows { candidates += window.time.boundaries(after: date, days: Self.horizonDays, calendar: calendar) }
        for rotation in rotations.values {
            if let slot = rotation.slot(at: date, calendar: calendar) { candidates.append(slot.to) }
        }
        for override in overrides {
            if override.from > date { candidates.append(override.from) }
            if override.to > date { candidates.append(override.to) }
        }
        let horizon = calendar.date(byAdding: .day, value: Self.horizonDays, to: date) ?? date.addingTimeInterval(8 * 86_400)
        var until: Date?
        for candidate in Set(candidates).sorted() where candidate <= horizon {
            let next = state(at: candidate, calendar: calendar)
            if next.technicians != now.technicians || next.key != now.key {
                until = candidate
                break
            }
        }
        return OnCallAnswer(schedule: id, technicians: now.technicians, reason: now.reason, until: until, timeZone: timeZone)
    }
}
