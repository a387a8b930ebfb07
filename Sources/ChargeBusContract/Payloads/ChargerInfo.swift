import Foundation

/// `{root}/chargers/{cp}/info`, retained, QoS 1. What the registry says about a charger: the
/// daemons learn site and class from here, never from the bridge's database. Cleared with an
/// empty retained payload when the charger is removed from the registry.
public struct ChargerInfo: Codable, Sendable, Hashable {
    /// When the bridge published this version of the record.
    public var at: Date
    public var site: String
    /// `L2` (AC) or `L3` (DC).
    public var `class`: String
    public var connectors: Int
    /// Maximum power per connector, W.
    public var maxPowerW: Double
    /// Whether the bridge accepts this charger's known schema quirks.
    public var lenient: Bool
    /// True when the charger was accepted by `--auto-register` and has no password yet.
    public var autoRegistered: Bool

    public init(at: Date, site: String, class: String, connectors: Int, maxPowerW: Double, lenient: Bool, autoRegistered: Bool) {
        self.at = at
        self.site = site
        self.class = `class`
        self.connectors = connectors
        self.maxPowerW = maxPowerW
        self.lenient = lenient
        self.autoRegistered = autoRegistered
    }

    /// The fields that matter, without the publication time: equal records need no republish.
    public func sameRecord(as other: ChargerInfo) -> Bool {
        site == other.site && `class` == other.class && connectors == other.connectors && maxPowerW == other.maxPowerW
            && lenient == other.lenient && autoRegistered == other.autoRegistered
    }
}
