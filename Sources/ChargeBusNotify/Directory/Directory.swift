import ChargeBusContract
import Foundation

/// A place with chargers: where its technicians work, and the clock its alerts are read by.
public struct Site: Sendable, Hashable {
    public var id: String
    public var name: String
    public var address: String?
    public var timeZone: TimeZone
    public var businessHours: LocalTimeWindow

    public init(id: String, name: String, address: String? = nil, timeZone: TimeZone,
                businessHours: LocalTimeWindow = Site.defaultBusinessHours) {
        self.id = id
        self.name = name
        self.address = address
        self.timeZone = timeZone
        self.businessHours = businessHours
    }

    /// Mon–Fri 08:00–18:00.
    public static let defaultBusinessHours = LocalTimeWindow(days: Weekday.workweek, start: 8 * 60, end: 18 * 60)

    public func isBusinessHours(_ date: Date) -> Bool {
        businessHours.contains(date, calendar: .local(timeZone))
    }
}

/// What a technician wants to receive. Small on purpose: every rule here must be explainable in
/// one line of a dry run.
public struct Preferences: Sendable, Hashable {
    public enum SMSMode: String, Sendable, Hashable, CaseIterable {
        case always
        case criticalOnly = "critical-only"
        case outsideBusinessHours = "outside-business-hours"
        case criticalOrOutsideBusinessHours = "critical-or-outside-business-hours"
        case never
    }

    public enum EmailMode: String, Sendable, Hashable, CaseIterable {
        case always, never
    }

    /// The channels this person can be reached on, intersected with the route's.
    public var channels: [ChannelKind]
    public var sms: SMSMode
    public var email: EmailMode
    /// Local hours (in the same clock as business hours) during which only critical alerts may
    /// send an SMS. Email is never held back: it does not wake anyone.
    public var quietHours: LocalTimeWindow?

    public init(channels: [ChannelKind] = [.email, .sms], sms: SMSMode = .always, email: EmailMode = .always,
                quietHours: LocalTimeWindow? = nil) {
        self.channels = channels
        self.sms = sms
        self.email = email
        self.quietHours = quietHours
    }
}

public struct Technician: Sendable, Hashable {
    public var id: String
    public var name: String
    public var email: String?
    /// E.164 (`+4915112345678`).
    public var phone: String?
    /// The sites this person works at; the first one's business hours are theirs when an alert has
    /// no site of its own.
    public var sites: [String]
    public var groups: [String]
    /// `technician`, `lead`, `manager`, … Free text for templates and dry runs.
    public var role: String
    public var preferences: Preferences

    public init(id: String, name: String, email: String? = nil, phone: String? = nil, sites: [String] = [], groups: [String] = [],
                role: String = "technician", preferences: Preferences = Preferences()) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.sites = sites
        self.groups = groups
        self.role = role
        self.preferences = preferences
    }
}

/// Who is on call for a schedule at one instant, and why.
public struct OnCallAnswer: Sendable, Hashable {
    public var schedule: String
    /// Technician ids; empty for a gap.
    public var technicians: [String]
    /// `window weekday (Mon–Fri 08:00–18:00): rotation day slot 2 of 3`, `override: holiday cover`,
    /// `nobody on call: no window covers Sat 10:00 CET`.
    public var reason: String
    /// When this answer changes next (a handoff, a window or override boundary); nil when it does
    /// not within the next week.
    public var until: Date?
    /// The schedule's clock.
    public var timeZone: TimeZone

    public init(schedule: String, technicians: [String], reason: String, until: Date?, timeZone: TimeZone) {
        self.schedule = schedule
        self.technicians = technicians
        self.reason = reason
        self.until = until
        self.timeZone = timeZone
    }

    public var isGap: Bool { technicians.isEmpty }
}

/// The people and places behind routing: sites, technicians and on-call schedules.
public struct NotifyDirectory: Sendable {
    public var sites: [String: Site]
    public var technicians: [String: Technician]
    public var schedules: [String: OnCallSchedule]

    public init(sites: [String: Site] = [:], technicians: [String: Technician] = [:], schedules: [String: OnCallSchedule] = [:]) {
        self.sites = sites
        self.technicians = technicians
        self.schedules = schedules
    }

    /// Who is on call for a schedule at `at`, and why (rotation slot, window, override…).
    public func onCall(schedule: String, at: Date) -> OnCallAnswer {
        guard let found = schedules[schedule] else {
            return OnCallAnswer(schedule: schedule, technicians: [], reason: "unknown schedule \"\(schedule)\"", until: nil,
                                timeZone: TimeZone(identifier: "UTC") ?? .current)
        }
        return found.onCall(at: at)
    }

    /// The schedules covering a site (directly or through a group); all when site is nil.
    public func schedules(forSite site: String?) -> [String] {
        guard let site else { return schedules.keys.sorted() }
        return schedules.values.filter { coveredSites(of: $0).contains(site) }.map(\.id).sorted()
    }

    /// A schedule's sites: its own, or those of its group's members.
    public func coveredSites(of schedule: OnCallSchedule) -> Set<String> {
        var result = Set(schedule.sites)
        if let group = schedule.group {
            for member in members(ofGroup: group) { result.formUnion(member.sites) }
        }
        return result
    }

    /// The technicians in a group, by id.
    public func members(ofGroup group: String) -> [Technician] {
        technicians.values.filter { $0.groups.contains(group) }.sorted { $0.id < $1.id }
    }

    public var groups: Set<String> { Set(technicians.values.flatMap(\.groups)) }

    /// The business hours and clock that a technician's preferences are judged by for an alert:
    /// the alert's site when the directory knows it, else the technician's first site, else
    /// Mon–Fri 08:00–18:00 UTC.
    func businessClock(for technician: Technician, alertSite: String?) -> (site: Site?, hours: LocalTimeWindow, timeZone: TimeZone) {
        if let id = alertSite, let site = sites[id] { return (site, site.businessHours, site.timeZone) }
        if let id = technician.sites.first, let site = sites[id] { return (site, site.businessHours, site.timeZone) }
        return (nil, Site.defaultBusinessHours, TimeZone(identifier: "UTC") ?? .current)
    }
}
