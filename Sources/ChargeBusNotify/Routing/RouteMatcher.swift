import ChargeBusContract
import Foundation

/// What a child route matches. Every present field must match; an absent one matches anything.
public struct RouteMatcher: Sendable, Hashable {
    /// Rule names; an alert matches by its rule's name or its rule kind.
    public var rules: [String]?
    public var severities: [AlertSeverity]?
    public var severityAtLeast: AlertSeverity?
    public var sites: [String]?
    /// Charger groups of the alerts rules file (the alert's `groups`).
    public var groups: [String]?
    public var classes: [String]?
    /// Charger vendors (BootNotification `chargePointVendor`), compared case-insensitively.
    public var vendors: [String]?
    /// Charger ids; `*` matches any characters (`DEPOT-N-*`).
    public var chargers: [String]?

    public init(rules: [String]? = nil, severities: [AlertSeverity]? = nil, severityAtLeast: AlertSeverity? = nil, sites: [String]? = nil,
                groups: [String]? = nil, classes: [String]? = nil, vendors: [String]? = nil, chargers: [String]? = nil) {
        self.rules = rules
        self.severities = severities
        self.severityAtLeast = severityAtLeast
        self.sites = sites
        self.groups = groups
        self.classes = classes
        self.vendors = vendors
        self.chargers = chargers
    }

    public var isEmpty: Bool {
        rules == nil && severities == nil && severityAtLeast == nil && sites == nil && groups == nil && classes == nil
            && vendors == nil && chargers == nil
    }

    /// Whether the alert matches, with one readable reason per matcher (the failing one last).
    func evaluate(_ facts: AlertFacts) -> (matched: Bool, reasons: [String]) {
        let alert = facts.alert
        var reasons: [String] = []
        func list(_ values: [String]) -> String { values.joined(separator: "|") }
        if let rules {
            guard let hit = rules.first(where: { $0 == alert.rule || $0 == alert.kind }) else {
                return (false, reasons + ["rule \(alert.rule) is not \(list(rules))"])
            }
            reasons.append(hit == alert.rule ? "rule=\(hit) matched" : "rule kind=\(hit) matched")
        }
        if let severities {
            guard severities.contains(alert.severity) else {
                return (false, reasons + ["severity \(alert.severity.rawValue) is not \(list(severities.map(\.rawValue)))"])
            }
            reasons.append("severity=\(alert.severity.rawValue) matched")
        }
        if let severityAtLeast {
            guard alert.severity >= severityAtLeast else {
                return (false, reasons + ["severity \(alert.severity.rawValue) < \(severityAtLeast.rawValue)"])
            }
            reasons.append("severity \(alert.severity.rawValue) ≥ \(severityAtLeast.rawValue)")
        }
        if let sites {
            guard let site = alert.site, sites.contains(site) else {
                return (false, reasons + ["site \(alert.site ?? "(none)") is not \(list(sites))"])
            }
            reasons.append("site=\(site) matched")
        }
        if let groups {
            guard let hit = groups.first(where: { facts.groups.contains($0) }) else {
                return (false, reasons + ["charger groups [\(facts.groups.joined(separator: ", "))] include none of \(list(groups))"])
            }
            reasons.append("group=\(hit) matched")
        }
        if let classes {
            guard let chargerClass = alert.class, classes.contains(chargerClass) else {
                return (false, reasons + ["class \(alert.class ?? "(none)") is not \(list(classes))"])
            }
            reasons.append("class=\(chargerClass) matched")
        }
        if let vendors {
            guard let vendor = facts.vendor, vendors.contains(where: { $0.caseInsensitiveCompare(vendor) == .orderedSame }) else {
                return (false, reasons + ["vendor \(facts.vendor ?? "(unknown)") is not \(list(vendors))"])
            }
            reasons.append("vendor=\(vendor) matched")
        }
        if let chargers {
            guard chargers.contains(where: { Self.glob($0, alert.charger) }) else {
                return (false, reasons + ["charger \(alert.charger) is not \(list(chargers))"])
            }
            reasons.append("charger=\(alert.charger) matched")
        }
        if reasons.isEmpty { reasons.append("matches every alert") }
        return (true, reasons)
    }

    /// `*` matches any run of characters; everything else is literal.
    static func glob(_ pattern: String, _ text: String) -> Bool {
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
