import Foundation

/// The health bucket of a charger, as a support team sees it.
///
/// Precedence, highest first (a charger is in exactly one bucket): Offline, Faulted, Unavailable,
/// WeakSignal, Charging, Available. `precedence` encodes it; `topics.md` documents it.
public enum HealthBucket: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case offline = "Offline"
    case faulted = "Faulted"
    case unavailable = "Unavailable"
    case weakSignal = "WeakSignal"
    case charging = "Charging"
    case available = "Available"

    /// Lower wins.
    public var precedence: Int {
        switch self {
        case .offline: 0
        case .faulted: 1
        case .unavailable: 2
        case .weakSignal: 3
        case .charging: 4
        case .available: 5
        }
    }

    public static func < (lhs: HealthBucket, rhs: HealthBucket) -> Bool { lhs.precedence < rhs.precedence }

    /// The buckets listed on `{root}/fleet/problems`.
    public var isProblem: Bool { self == .offline || self == .faulted || self == .weakSignal }
}

/// One connector as the health daemon last saw it, inside `ChargerHealth.connectors`.
public struct ConnectorHealth: Codable, Sendable, Hashable {
    public var status: String
    public var errorCode: String
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    /// When the bridge received the status.
    public var at: Date
    /// The live transaction on this connector, when one is known.
    public var transactionId: TransactionID?

    public init(status: String, errorCode: String, vendorId: String? = nil, vendorErrorCode: String? = nil,
                info: String? = nil, at: Date, transactionId: TransactionID? = nil) {
        self.status = status
        self.errorCode = errorCode
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.info = info
        self.at = at
        self.transactionId = transactionId
    }
}

/// `{root}/chargers/{cp}/health`, retained, QoS 1. Publisher: the health daemon.
public struct ChargerHealth: Codable, Sendable, Hashable {
    public var bucket: HealthBucket
    /// `L2` (AC), `L3` (DC), or `unknown` before the charger's info is known.
    public var `class`: String
    public var site: String
    /// When the charger entered `bucket`.
    public var since: Date
    /// Why the charger is in `bucket`, e.g. `connector 1 Faulted (GroundFailure)`, `silent for 612 s`.
    public var reason: String?
    /// Whether the charger holds a socket to a live bridge.
    public var online: Bool
    /// The last message of any kind from the charger (bridge time).
    public var lastSeen: Date?
    /// Mean interval between Heartbeats over the last 24 h, s.
    public var heartbeatAvgS: Double?
    /// Standard deviation of the Heartbeat intervals over the last 24 h, s.
    public var heartbeatJitterS: Double?
    /// The heartbeat interval the bridge assigned (boot `intervalS`), s.
    public var heartbeatIntervalS: Int?
    public var missedHeartbeats24h: Int
    public var reconnects24h: Int
    /// The last signal strength the charger reported, dBm.
    public var signalDbm: Double?
    /// Keyed by connector number (`"0"` is the charger itself).
    public var connectors: [String: ConnectorHealth]
    /// When the daemon computed this record.
    public var at: Date

    public init(bucket: HealthBucket, class: String, site: String, since: Date, reason: String? = nil, online: Bool,
                lastSeen: Date? = nil, heartbeatAvgS: Double? = nil, heartbeatJitterS: Double? = nil,
                heartbeatIntervalS: Int? = nil, missedHeartbeats24h: Int = 0, reconnects24h: Int = 0,
                signalDbm: Double? = nil, connectors: [String: ConnectorHealth] = [:], at: Date) {
        self.bucket = bucket
        self.class = `class`
        self.site = site
        self.since = since
        self.reason = reason
        self.online = online
        self.lastSeen = lastSeen
        self.heartbeatAvgS = heartbeatAvgS
        self.heartbeatJitterS = heartbeatJitterS
        self.heartbeatIntervalS = heartbeatIntervalS
        self.missedHeartbeats24h = missedHeartbeats24h
        self.reconnects24h = reconnects24h
        self.signalDbm = signalDbm
        self.connectors = connectors
        self.at = at
    }
}

/// Charger counts per bucket.
public struct BucketCounts: Codable, Sendable, Hashable {
    public var available: Int = 0
    public var charging: Int = 0
    public var weakSignal: Int = 0
    public var offline: Int = 0
    public var faulted: Int = 0
    public var unavailable: Int = 0
    /// Every charger counted, whatever its bucket.
    public var total: Int = 0

    public init() {}

    public subscript(bucket: HealthBucket) -> Int {
        get {
            switch bucket {
            case .available: available
            case .charging: charging
            case .weakSignal: weakSignal
            case .offline: offline
            case .faulted: faulted
            case .unavailable: unavailable
            }
        }
        set {
            switch bucket {
            case .available: available = newValue
            case .charging: charging = newValue
            case .weakSignal: weakSignal = newValue
            case .offline: offline = newValue
            case .faulted: faulted = newValue
            case .unavailable: unavailable = newValue
            }
        }
    }

    public mutating func add(_ bucket: HealthBucket) {
        self[bucket] += 1
        total += 1
    }
}

/// `{root}/fleet/health` and `{root}/sites/{site}/health`, retained, QoS 1. Publisher: the health daemon.
public struct HealthSummary: Codable, Sendable, Hashable {
    /// When the daemon computed the counts.
    public var at: Date
    /// The site, on `{root}/sites/{site}/health` only.
    public var site: String?
    /// AC chargers.
    public var L2: BucketCounts
    /// DC chargers.
    public var L3: BucketCounts
    /// Every charger, including those whose class is not known yet.
    public var all: BucketCounts

    public init(at: Date, site: String? = nil, L2: BucketCounts = .init(), L3: BucketCounts = .init(), all: BucketCounts = .init()) {
        self.at = at
        self.site = site
        self.L2 = L2
        self.L3 = L3
        self.all = all
    }

    /// Counts without the computation time: equal summaries need no republish.
    public func sameCounts(as other: HealthSummary) -> Bool {
        site == other.site && L2 == other.L2 && L3 == other.L3 && all == other.all
    }
}

/// One line of the dashboard's problem list.
public struct ChargerProblem: Codable, Sendable, Hashable {
    public var chargerId: String
    public var site: String
    public var `class`: String
    public var bucket: HealthBucket
    /// When the charger entered `bucket`.
    public var since: Date
    public var reason: String?
    /// The connector whose status explains the bucket (Faulted, WeakSignal error code).
    public var connector: Int?
    public var errorCode: String?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    /// The time of the charger's last event (any message from it, or its last state change).
    public var lastEventAt: Date?

    public init(chargerId: String, site: String, class: String, bucket: HealthBucket, since: Date, reason: String? = nil,
                connector: Int? = nil, errorCode: String? = nil, vendorId: String? = nil, vendorErrorCode: String? = nil,
                info: String? = nil, lastEventAt: Date? = nil) {
        self.chargerId = chargerId
        self.site = site
        self.class = `class`
        self.bucket = bucket
        self.since = since
        self.reason = reason
        self.connector = connector
        self.errorCode = errorCode
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.info = info
        self.lastEventAt = lastEventAt
    }
}

/// `{root}/fleet/problems`, retained, QoS 1. Publisher: the health daemon.
public struct FleetProblems: Codable, Sendable, Hashable {
    public var at: Date
    /// Number of problem chargers (may exceed `problems.count` when the list is capped).
    public var count: Int
    /// Offline first, then Faulted, then WeakSignal; oldest `since` first within a bucket.
    public var problems: [ChargerProblem]

    public init(at: Date, count: Int, problems: [ChargerProblem]) {
        self.at = at
        self.count = count
        self.problems = problems
    }
}

/// One charger of `{root}/fleet/connectivity`.
public struct ConnectivityEntry: Codable, Sendable, Hashable {
    public var chargerId: String
    public var site: String
    public var `class`: String
    /// `missed-heartbeats`, `reconnect-flapping`, `weak-signal`.
    public var reasons: [String]
    public var heartbeatIntervalS: Int?
    public var heartbeatAvgS: Double?
    public var heartbeatJitterS: Double?
    public var missedHeartbeats24h: Int
    public var reconnects24h: Int
    public var signalDbm: Double?
    public var lastSeen: Date?

    public init(chargerId: String, site: String, class: String, reasons: [String], heartbeatIntervalS: Int? = nil,
                heartbeatAvgS: Double? = nil, heartbeatJitterS: Double? = nil, missedHeartbeats24h: Int = 0,
                reconnects24h: Int = 0, signalDbm: Double? = nil, lastSeen: Date? = nil) {
        self.chargerId = chargerId
        self.site = site
        self.class = `class`
        self.reasons = reasons
        self.heartbeatIntervalS = heartbeatIntervalS
        self.heartbeatAvgS = heartbeatAvgS
        self.heartbeatJitterS = heartbeatJitterS
        self.missedHeartbeats24h = missedHeartbeats24h
        self.reconnects24h = reconnects24h
        self.signalDbm = signalDbm
        self.lastSeen = lastSeen
    }
}

/// `{root}/fleet/connectivity`, retained, QoS 1. Publisher: the health daemon.
public struct FleetConnectivity: Codable, Sendable, Hashable {
    public var at: Date
    /// Chargers tracked (online or not).
    public var chargers: Int
    /// Chargers with degraded connectivity right now.
    public var degradedCount: Int
    public var degraded: [ConnectivityEntry]

    public init(at: Date, chargers: Int, degradedCount: Int, degraded: [ConnectivityEntry]) {
        self.at = at
        self.chargers = chargers
        self.degradedCount = degradedCount
        self.degraded = degraded
    }
}

/// `{root}/sessions/{cp}/{connector}`, retained, QoS 1. Publisher: the health daemon. Cleared with
/// an empty retained payload when the transaction stops.
public struct LiveSession: Codable, Sendable, Hashable {
    public var chargerId: String
    public var connector: Int
    public var transactionId: TransactionID
    public var idTag: String?
    /// When the transaction started (the charger's time when it sent one, else the bridge's).
    public var startedAt: Date
    /// Energy delivered so far, Wh (the meter's `sessionEnergyWh`).
    public var energyWh: Double
    /// Last reported power, W.
    public var powerW: Double?
    /// Last reported state of charge, %.
    public var soc: Double?
    /// Seconds from `startedAt` to `at`.
    public var durationS: Double
    public var meterStartWh: Double?
    /// The last update (start or meter reading).
    public var at: Date

    public init(chargerId: String, connector: Int, transactionId: TransactionID, idTag: String? = nil, startedAt: Date,
                energyWh: Double = 0, powerW: Double? = nil, soc: Double? = nil, durationS: Double = 0,
                meterStartWh: Double? = nil, at: Date) {
        self.chargerId = chargerId
        self.connector = connector
        self.transactionId = transactionId
        self.idTag = idTag
        self.startedAt = startedAt
        self.energyWh = energyWh
        self.powerW = powerW
        self.soc = soc
        self.durationS = durationS
        self.meterStartWh = meterStartWh
        self.at = at
    }
}
