import ChargeBusConfig
import ChargeBusContract
import Foundation

// Parsing of `notify.sites`, `notify.technicians` and `notify.schedules`. Cross-references (a
// technician's site, a rotation's member, an override's technician) are checked here, so a typo
// is refused at load with the line of the reference.

extension NotifyDirectory {
    static func parse(_ section: ConfigNode) throws(ConfigError) -> NotifyDirectory {
        var directory = NotifyDirectory()
        let sitesNode = try section.section("sites")
        for id in sitesNode.keys {
            let node = try sitesNode.section(id)
            try ConfigRead.checkID(id, what: "site", node: node)
            directory.sites[id] = try parseSite(id: id, node)
        }
        let techniciansNode = try section.section("technicians")
        for id in techniciansNode.keys {
            let node = try techniciansNode.section(id)
            try ConfigRead.checkID(id, what: "technician", node: node)
            directory.technicians[id] = try parseTechnician(id: id, node, sites: directory.sites)
        }
        let schedulesNode = try section.section("schedules")
        for id in schedulesNode.keys {
            let node = try schedulesNode.section(id)
            try ConfigRead.checkID(id, what: "schedule", node: node)
            guard id != "site" else {
                throw node.error("\"site\" cannot be a schedule id: `oncall:site` means the schedules covering the alert's site")
            }
            directory.schedules[id] = try parseSchedule(id: id, node, directory: directory)
        }
        return directory
    }

    static func parseSite(id: String, _ node: ConfigNode) throws(ConfigError) -> Site {
        try node.rejectUnknownKeys(["name", "address", "timezone", "business_hours"])
        guard let zone = try ConfigRead.timeZone(node, "timezone") else {
            throw node.error("timezone is required (an IANA id like Europe/Berlin)")
        }
        var site = Site(id: id, name: try node.string("name") ?? id, address: try node.string("address"), timeZone: zone)
        if node.child("business_hours") != nil {
            let hours = try node.section("business_hours")
            site.businessHours = try parseTimeWindow(hours, defaultDays: Weekday.workweek, defaultStart: 8 * 60, defaultEnd: 18 * 60,
                                                     extraKeys: [])
            guard site.businessHours.start < site.businessHours.end else {
                throw hours.error("business hours must end after they start on the same day")
            }
        }
        return site
    }

    /// `{days: [mon-fri], start: "08:00", end: "18:00"}`; absent keys take the defaults.
    static func parseTimeWindow(_ node: ConfigNode, defaultDays: Set<Weekday>, defaultStart: Int, defaultEnd: Int,
                                extraKeys: Set<String>) throws(ConfigError) -> LocalTimeWindow {
        try node.rejectUnknownKeys(Set(["days", "start", "end"]).union(extraKeys))
        var window = LocalTimeWindow(days: defaultDays, start: defaultStart, end: defaultEnd)
        if let days = try ConfigRead.items(node, "days") {
            var set: Set<Weekday> = []
            for day in days {
                guard let parsed = Weekday.parse(day.value) else {
                    throw day.node.error("\"\(day.value)\" is not a day (mon, tue, wed, thu, fri, sat, sun, or a range like mon-fri)")
                }
                set.formUnion(parsed)
            }
            guard !set.isEmpty else { throw node.error("days must name at least one day") }
            window.days = set
        }
        if let child = node.child("start") {
            guard let text = child.scalarText, let minutes = LocalClock.minutes(text) else {
                throw child.error("expected a local time like \"08:00\", got \(child.scalarText.map { "\"\($0)\"" } ?? "a non-scalar")")
            }
            window.start = minutes
        }
        if let child = node.child("end") {
            guard let text = child.scalarText, let minutes = LocalClock.minutes(text, allowEndOfDay: true) else {
                throw child.error("expected a local time like \"18:00\" (or \"24:00\"), got \(child.scalarText.map { "\"\($0)\"" } ?? "a non-scalar")")
            }
            window.end = minutes
        }
        return window
    }

    static func parseTechnician(id: String, _ node: ConfigNode, sites: [String: Site]) throws(ConfigError) -> Technician {
        try node.rejectUnknownKeys(["name", "email", "phone", "sites", "groups", "role", "preferences"])
        var technician = Technician(id: id, name: try node.string("name") ?? id)
        technician.email = try ConfigRead.email(node, "email")
        technician.phone = try ConfigRead.phone(node, "phone")
        if let list = try ConfigRead.items(node, "sites") {
            for site in list where sites[site.value] == nil {
                throw site.node.error("unknown site \"\(site.value)\" (define it under notify.sites)")
            }
            technician.sites = list.map(\.value)
        }
        technician.groups = try node.strings("groups") ?? []
        technician.role = try node.string("role") ?? "technician"
        if node.child("preferences") != nil {
            technician.preferences = try parsePreferences(try node.section("preferences"))
        }
        return technician
    }

    static func parsePreferences(_ node: ConfigNode) throws(ConfigError) -> Preferences {
        try node.rejectUnknownKeys(["channels", "sms", "email", "quiet_hours"])
        var preferences = Preferences()
        if let list = try ConfigRead.items(node, "channels") {
            var channels: [ChannelKind] = []
            for item in list {
                guard let kind = ChannelKind(rawValue: item.value), kind != .webhook else {
                    throw item.node.error("\"\(item.value)\" is not a channel for a person (email or sms)")
                }
                if !channels.contains(kind) { channels.append(kind) }
            }
            preferences.channels = channels
        }
        if let mode = try node.choice("sms", as: Preferences.SMSMode.self) { preferences.sms = mode }
        if let mode = try node.choice("email", as: Preferences.EmailMode.self) { preferences.email = mode }
        if node.child("quiet_hours") != nil {
            let quiet = try node.section("quiet_hours")
            guard quiet.child("start") != nil, quiet.child("end") != nil else { throw quiet.error("quiet_hours needs start and end") }
            preferences.quietHours = try parseTimeWindow(quiet, defaultDays: Set(Weekday.allCases), defaultStart: 0, defaultEnd: 0,
                                                         extraKeys: [])
        }
        return preferences
    }

    static func parseSchedule(id: String, _ node: ConfigNode, directory: NotifyDirectory) throws(ConfigError) -> OnCallSchedule {
        try node.rejectUnknownKeys(["site", "sites", "group", "timezone", "rotation", "rotations", "windows", "overrides"])
        var sites: [String] = []
        if let site = node.child("site") {
            guard let text = site.scalarText else { throw site.error("expected a site id") }
            sites.append(text)
        }
        for site in try ConfigRead.items(node, "sites") ?? [] { sites.append(site.value) }
        for site in sites where directory.sites[site] == nil {
            let where_ = node.child("site") ?? node.child("sites") ?? node
            throw where_.error("unknown site \"\(site)\" (define it under notify.sites)")
        }
        let group = try node.string("group")
        if let group, let groupNode = node.child("group"), directory.members(ofGroup: group).isEmpty {
            throw groupNode.error("unknown group \"\(group)\": no technician lists it under groups")
        }
        // The schedule's clock: its own, else that of the sites it covers when they agree.
        var zone = try ConfigRead.timeZone(node, "timezone")
        if zone == nil {
            var covered = sites
            if let group { covered += directory.members(ofGroup: group).flatMap(\.sites) }
            let zones = Set(covered.compactMap { directory.sites[$0]?.timeZone.identifier })
            guard zones.count == 1, let only = zones.first, let found = TimeZone(identifier: only) else {
                throw node.error(zones.isEmpty
                    ? "timezone is required when the schedule covers no site"
                    : "the covered sites are in different time zones (\(zones.sorted().joined(separator: ", "))): give timezone")
            }
            zone = found
        }
        guard let timeZone = zone else { throw node.error("timezone is required") }

        var rotations: [String: Rotation] = [:]
        if node.child("rotation") != nil {
            let name = OnCallSchedule.defaultRotation
            rotations[name] = try parseRotation(name: name, try node.section("rotation"), timeZone: timeZone, directory: directory)
        }
        let rotationsNode = try node.section("rotations")
        for name in rotationsNode.keys {
            guard rotations[name] == nil else {
                throw rotationsNode.error("rotation \"\(name)\" is defined twice (`rotation:` is the rotation named default)")
            }
            rotations[name] = try parseRotation(name: name, try rotationsNode.section(name), timeZone: timeZone, directory: directory)
        }
        guard !rotations.isEmpty else { throw node.error("a schedule needs a rotation (or rotations and windows)") }

        var windows: [OnCallWindow] = []
        for (index, windowNode) in (try node.list("windows") ?? []).enumerated() {
            let time = try parseTimeWindow(windowNode, defaultDays: Set(Weekday.allCases), defaultStart: 0, defaultEnd: 1440,
                                           extraKeys: ["name", "rotation"])
            if (windowNode.child("start") == nil) != (windowNode.child("end") == nil) {
                throw windowNode.error("a window needs both start and end, or neither (all day)")
            }
            let rotation = try windowNode.string("rotation") ?? OnCallSchedule.defaultRotation
            guard rotations[rotation] != nil else {
                throw (windowNode.child("rotation") ?? windowNode).error(
                    "unknown rotation \"\(rotation)\" (this schedule has \(rotations.keys.sorted().joined(separator: ", ")))")
            }
            windows.append(OnCallWindow(name: try windowNode.string("name") ?? "\(index + 1)", time: time, rotation: rotation))
        }
        if windows.isEmpty && rotations[OnCallSchedule.defaultRotation] == nil {
            throw node.error("without windows, the schedule needs `rotation:` (named rotations are used by windows)")
        }

        var overrides: [OnCallOverride] = []
        for overrideNode in try node.list("overrides") ?? [] {
            try overrideNode.rejectUnknownKeys(["from", "to", "technician", "technicians", "reason"])
            let from = try localDateTime(overrideNode, "from", timeZone: timeZone)
            let to = try localDateTime(overrideNode, "to", timeZone: timeZone)
            guard from < to else { throw overrideNode.error("`to` must be after `from`") }
            var people: [Located<String>] = []
            if let one = overrideNode.child("technician") {
                guard let text = one.scalarText else { throw one.error("expected a technician id") }
                people.append(Located(value: text, node: one))
            }
            people += try ConfigRead.items(overrideNode, "technicians") ?? []
            guard !people.isEmpty else { throw overrideNode.error("an override needs technician (or technicians)") }
            for person in people where directory.technicians[person.value] == nil {
                throw person.node.error("unknown technician \"\(person.value)\" (define it under notify.technicians)")
            }
            overrides.append(OnCallOverride(from: from, to: to, technicians: people.map(\.value),
                                            reason: try overrideNode.string("reason") ?? "override"))
        }
        return OnCallSchedule(id: id, sites: sites, group: group, timeZone: timeZone, rotations: rotations, windows: windows,
                              overrides: overrides)
    }

    static func parseRotation(name: String, _ node: ConfigNode, timeZone: TimeZone, directory: NotifyDirectory) throws(ConfigError) -> Rotation {
        try node.rejectUnknownKeys(["members", "start", "period"])
        guard let members = try ConfigRead.items(node, "members"), !members.isEmpty else {
            throw node.error("members is required (technician ids, in rotation order)")
        }
        for member in members where directory.technicians[member.value] == nil {
            throw member.node.error("unknown technician \"\(member.value)\" (define it under notify.technicians)")
        }
        let start = try localDateTime(node, "start", timeZone: timeZone)
        var periodDays = 7
        if let seconds = try ConfigRead.duration(node, "period") {
            let days = seconds / 86_400
            guard days >= 1, days == days.rounded(), let whole = Int(exactly: days) else {
                throw (node.child("period") ?? node).error("a rotation period must be whole days or weeks (1d, 2d, 1w, 2w), so handoffs stay at the same local time across DST")
            }
            periodDays = whole
        }
        return Rotation(name: name, members: members.map(\.value), start: start, periodDays: periodDays)
    }

    static func localDateTime(_ node: ConfigNode, _ key: String, timeZone: TimeZone) throws(ConfigError) -> Date {
        guard let child = node.child(key) else { throw node.error("\(key) is required (a local date and time like \"2026-11-02T08:00\")") }
        guard let text = child.scalarText, let date = LocalClock.dateTime(text, in: timeZone) else {
            throw child.error("expected a local date and time like \"2026-11-02T08:00\" (in \(timeZone.identifier)), got \(child.scalarText.map { "\"\($0)\"" } ?? "a non-scalar")")
        }
        return date
    }
}
