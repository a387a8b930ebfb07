import ChargeBusContract
import Foundation

/// A live transaction on a connector, the source of `{root}/sessions/{cp}/{connector}`.
public struct ActiveSession: Sendable, Equatable {
    public var session: LiveSession
    /// Whether the retained topic needs publishing.
    var dirty: Bool
}

/// Everything the health daemon knows about one charger. Plain data: `HealthEngine` mutates it,
/// `BucketRules` reads it.
public struct ChargerRecord: Sendable {
    public let id: String
    public var info: ChargerInfo?
    public var state: ChargerState?
    /// From the boot record; nil until one is seen.
    public var heartbeatIntervalS: Int?
    public var connectors: [Int: ConnectorStatus] = [:]
    public var sessions: [Int: ActiveSession] = [:]
    public var signal: (dbm: Double, at: Date)?

    /// The last message of any kind from the charger (bridge time).
    public var lastSeen: Date?
    /// Where the silence check counts from: `lastSeen`, or the daemon's (re)start when that is later,
    /// because heartbeats are not retained and a restarted daemon has not heard any yet.
    var silenceBaseline: Date?
    /// Baseline for missed-beat detection; nil while the charger is offline.
    var lastLiveness: Date?
    /// The last Heartbeat on the current connection; nil after a disconnect (an interval must not span one).
    var lastHeartbeat: Date?
    /// Set when the daemon's own silence check put the charger offline; cleared by any message.
    public var silentSince: Date?
    /// Set when the charger's bridge went down while holding it.
    public var stats = HeartbeatStatistics()

    /// The latest time of any input for this charger (for transitions found while settling).
    var lastChangeAt: Date?

    // Evaluated
    public var bucket: HealthBucket?
    public var since: Date?
    public var evaluation: BucketEvaluation?

    // Publication bookkeeping
    var lastPublished: ChargerHealth?
    var lastPublishedAt: Date?

    public init(id: String) {
        self.id = id
    }

    public func site(_ configuration: HealthConfiguration) -> String {
        configuration.chargerOverrides[id]?.site ?? info?.site ?? "unassigned"
    }

    public func chargerClass(_ configuration: HealthConfiguration) -> String {
        configuration.chargerOverrides[id]?.class ?? info?.class ?? "unknown"
    }

    public func effectiveInterval(_ configuration: HealthConfiguration) -> Double {
        Double(heartbeatIntervalS ?? configuration.defaultHeartbeatIntervalS)
    }

    mutating func noteChange(_ at: Date) {
        if let last = lastChangeAt, last >= at { return }
        lastChangeAt = at
    }
}
