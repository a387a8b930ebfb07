import ChargeBusConfig
import ChargeBusContract
import Foundation

/// Settings of the health daemon: defaults, then the `health:` section of the config file.
public struct HealthConfiguration: Sendable, Equatable {
    public var topicRoot: String = "ev"

    // MARK: Offline
    /// A charger silent (no message of any kind) for heartbeat interval × this factor is Offline.
    public var offlineGrace: Double = 2.0
    /// The heartbeat interval assumed until the charger's boot record says otherwise, s.
    public var defaultHeartbeatIntervalS: Int = 300

    // MARK: WeakSignal
    /// A reported signal strength below this is weak, dBm.
    public var weakSignalDbm: Double = -100
    /// A signal reading older than this no longer counts, s.
    public var signalMaxAgeS: Double = 6 * 3600
    /// Missed heartbeats within `connectivityWindowS` that make connectivity degraded (WeakSignal).
    public var missedHeartbeatsThreshold: Int = 3
    /// Reconnects within `connectivityWindowS` that count as flapping (WeakSignal).
    public var reconnectsThreshold: Int = 3
    /// The window over which missed heartbeats and reconnects make a charger WeakSignal, s.
    public var connectivityWindowS: Double = 3600

    // MARK: Publishing
    /// Fleet and site counts are recomputed and published at most this often, ms.
    public var publishIntervalMs: Int = 100
    /// The problem list and the connectivity view are published at most this often, ms.
    public var listPublishIntervalMs: Int = 1000
    /// A charger's health is republished only for `lastSeen` at most this often, s.
    public var lastSeenRefreshS: Double = 60
    /// The problem list is capped at this many chargers (`count` still gives the total).
    public var maxProblemsListed: Int = 10_000

    // MARK: Reports
    /// How availability reports count Unavailable (taken out of service by the operator): as up
    /// (the default: "up" means neither Offline nor Faulted), as down, or excluded from the period.
    public var unavailable: UnavailablePolicy = .up

    // MARK: Rebuild
    /// After connecting, the daemon waits until retained messages stop for this long before it
    /// evaluates and publishes (so that a partial picture never produces false transitions), ms.
    public var settleQuietMs: Int = 500
    /// …but never longer than this, ms.
    public var settleMaxMs: Int = 15_000

    /// Site and class per charger from the config file; they win over `{root}/chargers/{cp}/info`.
    public var chargerOverrides: [String: ChargerOverride] = [:]

    public struct ChargerOverride: Sendable, Equatable {
        public var site: String?
        public var `class`: String?
        public init(site: String? = nil, class: String? = nil) {
            self.site = site
            self.class = `class`
        }
    }

    public init() {}

    public var heartbeatWindowS: Double { 24 * 3600 }

    /// Sites become topic levels (`{root}/sites/{site}/health`).
    static func isValidTopicLevel(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: { "/+#".contains($0) })
    }

    /// Reads the `health:` section, failing with the file, the line and the reason.
    public mutating func apply(file root: ConfigNode) throws(ConfigError) {
        let section = try root.section("health")
        try section.rejectUnknownKeys([
            "offlineGrace", "defaultHeartbeatIntervalS", "weakSignalDbm", "signalMaxAgeS", "missedHeartbeatsThreshold",
            "reconnectsThreshold", "connectivityWindowS", "publishIntervalMs", "listPublishIntervalMs",
            "lastSeenRefreshS", "maxProblemsListed", "unavailable", "settleQuietMs", "settleMaxMs", "chargers",
        ])
        if let value = try section.double("offlineGrace", in: 1...100) { offlineGrace = value }
        if let value = try section.int("defaultHeartbeatIntervalS", in: 1...86_400) { defaultHeartbeatIntervalS = value }
        if let value = try section.double("weakSignalDbm", in: -200...0) { weakSignalDbm = value }
        if let value = try section.double("signalMaxAgeS", in: 1...(7 * 86_400)) { signalMaxAgeS = value }
        if let value = try section.int("missedHeartbeatsThreshold", in: 1...50) { missedHeartbeatsThreshold = value }
        if let value = try section.int("reconnectsThreshold", in: 1...50) { reconnectsThreshold = value }
        if let value = try section.double("connectivityWindowS", in: 60...86_400) { connectivityWindowS = value }
        if let value = try section.int("publishIntervalMs", in: 10...60_000) { publishIntervalMs = value }
        if let value = try section.int("listPublishIntervalMs", in: 10...600_000) { listPublishIntervalMs = value }
        if let value = try section.double("lastSeenRefreshS", in: 0...86_400) { lastSeenRefreshS = value }
        if let value = try section.int("maxProblemsListed", in: 1...1_000_000) { maxProblemsListed = value }
        if let value = try section.choice("unavailable", as: UnavailablePolicy.self) { unavailable = value }
        if let value = try section.int("settleQuietMs", in: 0...60_000) { settleQuietMs = value }
        if let value = try section.int("settleMaxMs", in: 0...600_000) { settleMaxMs = value }
        let chargers = try section.section("chargers")
        for id in chargers.keys {
            let entry = try chargers.section(id)
            guard Topics.isValidChargerID(id) else { throw entry.error("not a valid charger id") }
            try entry.rejectUnknownKeys(["site", "class"])
            var override = ChargerOverride()
            if let site = try entry.string("site") {
                guard Self.isValidTopicLevel(site) else { throw entry.child("site")!.error("must not be empty or contain / + #") }
                override.site = site
            }
            if let klass = try entry.string("class") {
                guard klass == "L2" || klass == "L3" else { throw entry.child("class")!.error("expected L2 or L3, got \"\(klass)\"") }
                override.class = klass
            }
            chargerOverrides[id] = override
        }
    }
}
