import ChargeBusConfig
import ChargeBusContract
import Foundation

/// The thresholds of one rule. Each kind reads the fields it needs; the rest keep their defaults.
public struct RuleSettings: Sendable, Hashable, Codable {
    public var enabled: Bool = true
    public var severity: AlertSeverity = .major
    /// Hold time: how long the condition must hold before the alert fires (the pending period).
    public var forS: Double = 0
    /// Keep-firing hysteresis: how long the condition must stay clear before the alert resolves.
    public var keepFiringForS: Double = 0
    /// Windowed rules (`failed-sessions`, `flapping`).
    public var windowS: Double = 3600
    public var count: Int = 3
    // soc-stall
    public var socBelow: Double = 40
    public var minSocProgress: Double = 1
    // energy-stall
    public var minEnergyProgressWh: Double = 10
    public var zeroPowerW: Double = 0
    // failed-sessions
    public var minSessionS: Double = 60
    public var minSessionEnergyWh: Double = 50
    public var errorStopReasons: [String] = ["EmergencyStop", "PowerLoss", "HardReset", "SoftReset", "Reboot"]
    // weak-signal
    public var signalBelowDbm: Double? = nil
    public var signalKeys: [String] = ["rssi", "signalDbm", "signalStrength"]
    // suspended
    public var statuses: [String] = ["SuspendedEVSE", "SuspendedEV"]
    // vendor-code
    /// `vendorId/code` pairs to surface (`*` as vendorId matches any vendor).
    public var codes: [String] = []
    /// Also surface any translated code whose table severity is at least this.
    public var minCodeSeverity: AlertSeverity? = nil
    /// Use the code table's severity instead of the rule's.
    public var severityFromCode: Bool = true

    public init() {}
}

/// One rule of the rules file.
public struct RuleConfig: Sendable, Hashable {
    public var name: String
    public var kind: RuleKind
    public var settings: RuleSettings
    /// Per site / group / charger / class changes, applied in file order; a later match wins per field.
    public var overrides: [RuleOverride]

    public init(name: String, kind: RuleKind, settings: RuleSettings, overrides: [RuleOverride] = []) {
        self.name = name
        self.kind = kind
        self.settings = settings
        self.overrides = overrides
    }

    /// The settings for one charger after its overrides.
    public func settings(charger: String, site: String?, class chargerClass: String?, groups: [String]) -> RuleSettings {
        guard !overrides.isEmpty else { return settings }
        var result = settings
        for override in overrides where override.matches(charger: charger, site: site, class: chargerClass, groups: groups) {
            override.apply(to: &result)
        }
        return result
    }
}

/// A change of a rule's settings for part of the fleet. Every present selector must match.
public struct RuleOverride: Sendable, Hashable {
    public var name: String = ""
    public var sites: [String]?
    public var groups: [String]?
    public var chargers: [String]?
    public var classes: [String]?
    public var enabled: Bool?
    public var severity: AlertSeverity?
    public var forS: Double?
    public var keepFiringForS: Double?
    public var windowS: Double?
    public var count: Int?
    public var socBelow: Double?

    public init() {}

    func matches(charger: String, site: String?, class chargerClass: String?, groups chargerGroups: [String]) -> Bool {
        if let sites, !sites.contains(where: { $0 == site }) { return false }
        if let classes, !classes.contains(where: { $0 == chargerClass }) { return false }
        if let chargers, !chargers.contains(where: { Glob.matches($0, charger) }) { return false }
        if let groups, !groups.contains(where: { chargerGroups.contains($0) }) { return false }
        return true
    }

    func apply(to s: inout RuleSettings) {
        if let enabled { s.enabled = enabled }
        if let severity { s.severity = severity }
        if let forS { s.forS = forS }
        if let keepFiringForS { s.keepFiringForS = keepFiringForS }
        if let windowS { s.windowS = windowS }
        if let count { s.count = count }
        if let socBelow { s.socBelow = socBelow }
    }
}

/// A charger group: chargers whose id matches one of `chargers` (globs with `*`), or whose site is
/// in `sites`, or whose class is in `classes`.
public struct ChargerGroup: Sendable, Hashable {
    public var name: String
    public var chargers: [String] = []
    public var sites: [String] = []
    public var classes: [String] = []

    public init(name: String, chargers: [String] = [], sites: [String] = [], classes: [String] = []) {
        self.name = name
        self.chargers = chargers
        self.sites = sites
        self.classes = classes
    }

    func contains(charger: String, site: String?, class chargerClass: String?) -> Bool {
        chargers.contains(where: { Glob.matches($0, charger) })
            || (site.map { sites.contains($0) } ?? false)
            || (chargerClass.map { classes.contains($0) } ?? false)
    }
}

enum Glob {
    /// `*` matches any run of characters; everything else is literal.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard pattern.contains("*") else { return pattern == text }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(text)
        for (index, part) in parts.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if index == parts.count - 1 {
                return part.isEmpty || rest.hasSuffix(part)
            } else if !part.isEmpty {
                guard let range = rest.range(of: part) else { return false }
                rest = rest[range.upperBound...]
            }
        }
        return true
    }
}

/// The whole rules file (`config/alerts.yaml`, section `alerts:`).
public struct AlertsConfig: Sendable, Hashable {
    public var rules: [RuleConfig]
    public var groups: [ChargerGroup]
    /// Directory of vendor code tables; a relative path is relative to the rules file.
    public var codesDirectory: String?
    /// How often the scheduler checks hold times, seconds.
    public var tickS: Double = 0.25

    public init(rules: [RuleConfig], groups: [ChargerGroup] = [], codesDirectory: String? = nil) {
        self.rules = rules
        self.groups = groups
        self.codesDirectory = codesDirectory
    }

    public func rule(named name: String) -> RuleConfig? { rules.first { $0.name == name } }

    public func groups(charger: String, site: String?, class chargerClass: String?) -> [String] {
        groups.filter { $0.contains(charger: charger, site: site, class: chargerClass) }.map(\.name)
    }

    /// The built-in defaults, the same as the shipped `config/alerts.yaml`.
    public static var defaults: AlertsConfig {
        AlertsConfig(rules: RuleKind.allCases.map { RuleConfig(name: $0.rawValue, kind: $0, settings: defaultSettings($0)) })
    }

    public static func defaultSettings(_ kind: RuleKind) -> RuleSettings {
        var s = RuleSettings()
        switch kind {
        case .disconnected: s.severity = .major; s.forS = 600; s.keepFiringForS = 120
        case .faulted: s.severity = .critical; s.forS = 120; s.keepFiringForS = 120
        case .vendorCode: s.severity = .major; s.forS = 0; s.keepFiringForS = 60; s.minCodeSeverity = .critical
        case .socStall: s.severity = .major; s.forS = 1200; s.keepFiringForS = 60
        case .energyStall: s.severity = .critical; s.forS = 600; s.keepFiringForS = 60
        case .failedSessions: s.severity = .major; s.count = 3; s.windowS = 3600; s.keepFiringForS = 0
        case .weakSignal: s.severity = .minor; s.forS = 600; s.keepFiringForS = 300; s.signalBelowDbm = -95
        case .suspended: s.severity = .minor; s.forS = 900; s.keepFiringForS = 60
        case .flapping: s.severity = .major; s.count = 5; s.windowS = 900; s.keepFiringForS = 0
        case .staleSession: s.severity = .major; s.forS = 900; s.keepFiringForS = 0
        }
        return s
    }

    /// A short digest of the rules text, to tell which version is active.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

// MARK: Parsing

extension AlertsConfig {
    /// Parses a rules file. Every error names the file, the line and the reason.
    public static func parse(_ root: ConfigNode) throws(ConfigError) -> AlertsConfig {
        // Other daemons' sections may share the file (`chargebus run --config`): only `alerts:` is read here.
        let section = try root.section("alerts")
        try section.rejectUnknownKeys(["codesDirectory", "tickS", "groups", "rules"])
        var config = AlertsConfig.defaults
        config.codesDirectory = try section.string("codesDirectory")
        if let tick = try section.double("tickS", in: 0.01...10) { config.tickS = tick }

        let groupsNode = try section.section("groups")
        for name in groupsNode.keys {
            let node = try groupsNode.section(name)
            try node.rejectUnknownKeys(["chargers", "sites", "classes"])
            var group = ChargerGroup(name: name)
            group.chargers = try strings(node, "chargers") ?? []
            group.sites = try strings(node, "sites") ?? []
            group.classes = try strings(node, "classes") ?? []
            config.groups.append(group)
        }
        let groupNames = Set(config.groups.map(\.name))

        let rulesNode = try section.section("rules")
        for name in rulesNode.keys {
            guard !name.isEmpty, !name.contains(where: { "/+#".contains($0) }) else {
                throw rulesNode.error("rule name \"\(name)\" must not be empty or contain '/', '+' or '#'")
            }
            let node = try rulesNode.section(name)
            let kind = try node.choice("kind", as: RuleKind.self) ?? RuleKind(rawValue: name)
            guard let kind else {
                throw node.error("a rule whose name is not a rule kind needs `kind:` (one of \(RuleKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var settings = defaultSettings(kind)
            try parseSettings(node, kind: kind, into: &settings)
            var overrides: [RuleOverride] = []
            let overridesNode = try node.section("overrides")
            for overrideName in overridesNode.keys {
                var o = try parseOverride(try overridesNode.section(overrideName), groups: groupNames)
                o.name = overrideName
                overrides.append(o)
            }
            let rule = RuleConfig(name: name, kind: kind, settings: settings, overrides: overrides)
            if let index = config.rules.firstIndex(where: { $0.name == name }) {
                config.rules[index] = rule
            } else {
                config.rules.append(rule)
            }
        }
        return config
    }

    static let commonKeys: Set<String> = ["kind", "enabled", "severity", "for", "keepFiringFor", "overrides"]
    static func keys(for kind: RuleKind) -> Set<String> {
        switch kind {
        case .disconnected, .faulted, .staleSession: commonKeys
        case .vendorCode: commonKeys.union(["codes", "minCodeSeverity", "severityFromCode"])
        case .socStall: commonKeys.union(["socBelow", "minSocProgress"])
        case .energyStall: commonKeys.union(["minEnergyProgressWh", "zeroPowerW"])
        case .failedSessions: commonKeys.union(["count", "window", "minSession", "minSessionEnergyWh", "errorStopReasons"])
        case .weakSignal: commonKeys.union(["signalBelowDbm", "signalKeys"])
        case .suspended: commonKeys.union(["statuses"])
        case .flapping: commonKeys.union(["count", "window"])
        }
    }

    static func parseSettings(_ node: ConfigNode, kind: RuleKind, into s: inout RuleSettings) throws(ConfigError) {
        try node.rejectUnknownKeys(keys(for: kind))
        if let v = try node.bool("enabled") { s.enabled = v }
        if let v = try node.choice("severity", as: AlertSeverity.self) { s.severity = v }
        if let v = try duration(node, "for") { s.forS = v }
        if let v = try duration(node, "keepFiringFor") { s.keepFiringForS = v }
        if let v = try duration(node, "window") {
            guard v > 0 else { throw node.child("window")!.error("must be longer than 0 s") }
            s.windowS = v
        }
        if let v = try node.int("count", in: 1...10_000) { s.count = v }
        if let v = try node.double("socBelow", in: 0...100) { s.socBelow = v }
        if let v = try node.double("minSocProgress", in: 0...100) { s.minSocProgress = v }
        if let v = try node.double("minEnergyProgressWh", in: 0...1_000_000) { s.minEnergyProgressWh = v }
        if let v = try node.double("zeroPowerW", in: 0...1_000_000) { s.zeroPowerW = v }
        if let v = try duration(node, "minSession") { s.minSessionS = v }
        if let v = try node.double("minSessionEnergyWh", in: 0...10_000_000) { s.minSessionEnergyWh = v }
        if let v = try strings(node, "errorStopReasons") { s.errorStopReasons = v }
        if let v = try node.double("signalBelowDbm", in: -200...0) { s.signalBelowDbm = v }
        if let v = try strings(node, "signalKeys") { s.signalKeys = v }
        if let v = try strings(node, "statuses") {
            let known: Set<String> = ["SuspendedEVSE", "SuspendedEV"]
            if let bad = v.first(where: { !known.contains($0) }) {
                throw node.child("statuses")!.error("\"\(bad)\" is not SuspendedEVSE or SuspendedEV")
            }
            s.statuses = v
        }
        if let v = try strings(node, "codes") {
            if let bad = v.first(where: { !$0.contains("/") }) {
                throw node.child("codes")!.error("\"\(bad)\" must be vendorId/code (or */code for any vendor)")
            }
            s.codes = v
        }
        if let v = try node.choice("minCodeSeverity", as: AlertSeverity.self) { s.minCodeSeverity = v }
        if let v = try node.bool("severityFromCode") { s.severityFromCode = v }
    }

    static func parseOverride(_ node: ConfigNode, groups: Set<String>) throws(ConfigError) -> RuleOverride {
        try node.rejectUnknownKeys(["sites", "groups", "chargers", "classes", "enabled", "severity", "for", "keepFiringFor", "window", "count", "socBelow"])
        var o = RuleOverride()
        o.sites = try strings(node, "sites")
        o.groups = try strings(node, "groups")
        if let unknown = o.groups?.first(where: { !groups.contains($0) }) {
            throw node.child("groups")!.error("unknown group \"\(unknown)\" (define it under alerts.groups)")
        }
        o.chargers = try strings(node, "chargers")
        o.classes = try strings(node, "classes")
        guard o.sites != nil || o.groups != nil || o.chargers != nil || o.classes != nil else {
            throw node.error("an override needs at least one of sites, groups, chargers, classes")
        }
        o.enabled = try node.bool("enabled")
        o.severity = try node.choice("severity", as: AlertSeverity.self)
        o.forS = try duration(node, "for")
        o.keepFiringForS = try duration(node, "keepFiringFor")
        o.windowS = try duration(node, "window")
        o.count = try node.int("count", in: 1...10_000)
        o.socBelow = try node.double("socBelow", in: 0...100)
        return o
    }

    /// A list of strings: a YAML list, or one comma-separated string (`sites: depot-a, depot-b`).
    static func strings(_ node: ConfigNode, _ key: String) throws(ConfigError) -> [String]? {
        try node.strings(key)
    }

    /// Durations: `90` or `90s` (seconds), `10m`, `2h`, `1d`, `1h30m`.
    static func duration(_ node: ConfigNode, _ key: String) throws(ConfigError) -> Double? {
        guard let child = node.child(key) else { return nil }
        guard let text = child.scalarText, let value = parseDuration(text), value >= 0, value <= 366 * 86_400 else {
            throw child.error("expected a duration like 30s, 10m, 2h or 1h30m (at most 366d), got \(child.scalarText.map { "\"\($0)\"" } ?? "a non-scalar")")
        }
        return value
    }

    public static func parseDuration(_ text: String) -> Double? {
        ConfigDuration.parse(text)
    }
}
