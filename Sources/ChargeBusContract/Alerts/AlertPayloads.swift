import Foundation

/// How urgent an alert is. Ordered: `critical` > `major` > `minor` > `info`.
public enum AlertSeverity: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case critical, major, minor, info

    var rank: Int {
        switch self {
        case .critical: 3
        case .major: 2
        case .minor: 1
        case .info: 0
        }
    }

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// The lifecycle of an alert: `pending` (the condition holds, its hold time is not over; never
/// published), `firing` (published, retained), `resolved` (cleared).
public enum AlertState: String, Codable, Sendable, Hashable, CaseIterable {
    case pending, firing, resolved
}

/// What tripped an alert: the OCPP fields, the translated manufacturer code and the measured values.
public struct AlertDetails: Codable, Sendable, Hashable {
    /// The OCPP status of the connector (`Faulted`, `SuspendedEV`, …) when it matters.
    public var status: String?
    /// The OCPP ChargePointErrorCode.
    public var errorCode: String?
    public var vendorId: String?
    /// The manufacturer's code, raw, as the charger sent it.
    public var vendorErrorCode: String?
    /// The charger's free text (`info` of the StatusNotification).
    public var info: String?
    /// The translated manufacturer codes (one per code when several are comma-separated).
    public var vendorCodes: [VendorCodeTranslation]?
    /// The measured values that tripped the rule, keyed by name with the unit in the name
    /// (`offlineS`, `soc`, `socProgressAgeS`, `energyWh`, `powerW`, `failedSessions`, `windowS`, …).
    public var values: [String: Double]?
    /// The open transaction, for session rules.
    public var transactionId: TransactionID?
    /// Recent events that count towards a windowed rule (`failed-sessions`, `flapping`), newest last.
    public var recent: [String]?

    public init(status: String? = nil, errorCode: String? = nil, vendorId: String? = nil, vendorErrorCode: String? = nil,
                info: String? = nil, vendorCodes: [VendorCodeTranslation]? = nil, values: [String: Double]? = nil,
                transactionId: TransactionID? = nil, recent: [String]? = nil) {
        self.status = status
        self.errorCode = errorCode
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.info = info
        self.vendorCodes = vendorCodes
        self.values = values
        self.transactionId = transactionId
        self.recent = recent
    }
}

/// One manufacturer code and what the code tables say about it. `known` is false when no table
/// has it: `text` is then the raw code, and the daemon counts it (`chargebus alerts codes --unknown`).
public struct VendorCodeTranslation: Codable, Sendable, Hashable {
    public var code: String
    public var known: Bool
    /// The table's vendor name (`ChargeX MREC`, `EVgo MREC`, …), when known.
    public var vendor: String?
    public var text: String
    public var severity: AlertSeverity?
    /// What the technician should do.
    public var action: String?

    public init(code: String, known: Bool, vendor: String? = nil, text: String, severity: AlertSeverity? = nil, action: String? = nil) {
        self.code = code
        self.known = known
        self.vendor = vendor
        self.text = text
        self.severity = severity
        self.action = action
    }
}

/// `{root}/alerts/active/{cp}/{rule}` (charger-level, connector 0) and
/// `{root}/alerts/active/{cp}/{rule}/{n}` (connector n ≥ 1): retained, QoS 1, while firing;
/// cleared with an empty retained payload on resolve. Also the `alert` of every `AlertEvent`.
public struct AlertPayload: Codable, Sendable, Hashable {
    /// Stable id of the (charger, connector, rule) triple: the same every time it fires.
    public var id: String
    /// The incident number of this id: 1 for the first firing, +1 on each new firing after a resolve.
    public var incident: Int
    /// The rule's name from the rules file (for the shipped defaults, the rule kind).
    public var rule: String
    /// The rule kind: `disconnected`, `faulted`, `vendor-code`, `soc-stall`, `energy-stall`,
    /// `failed-sessions`, `weak-signal`, `suspended`, `flapping`, `stale-session`.
    public var kind: String
    public var severity: AlertSeverity
    public var state: AlertState
    public var charger: String
    /// 0 for the charger as a whole.
    public var connector: Int
    public var site: String?
    public var `class`: String?
    /// The charger groups of the rules file this charger belongs to.
    public var groups: [String]?
    /// When the condition started to hold (the start of the pending period).
    public var since: Date
    /// When the alert fired (since + hold time, or later when the daemon was down).
    public var firedAt: Date
    /// When it resolved; only in `resolved` payloads.
    public var resolvedAt: Date?
    /// When this payload was produced.
    public var at: Date
    /// One readable sentence.
    public var summary: String
    public var details: AlertDetails
    public var acknowledged: Bool
    public var ackBy: String?
    public var ackAt: Date?
    public var ackNote: String?
    /// True while a silence or maintenance window matches: recorded, but not to be notified.
    public var silenced: Bool
    /// The matching silences' ids.
    public var silencedBy: [String]?

    public init(id: String, incident: Int, rule: String, kind: String, severity: AlertSeverity, state: AlertState,
                charger: String, connector: Int, site: String?, class: String?, groups: [String]?, since: Date,
                firedAt: Date, resolvedAt: Date? = nil, at: Date, summary: String, details: AlertDetails,
                acknowledged: Bool = false, ackBy: String? = nil, ackAt: Date? = nil, ackNote: String? = nil,
                silenced: Bool = false, silencedBy: [String]? = nil) {
        self.id = id
        self.incident = incident
        self.rule = rule
        self.kind = kind
        self.severity = severity
        self.state = state
        self.charger = charger
        self.connector = connector
        self.site = site
        self.class = `class`
        self.groups = groups
        self.since = since
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.at = at
        self.summary = summary
        self.details = details
        self.acknowledged = acknowledged
        self.ackBy = ackBy
        self.ackAt = ackAt
        self.ackNote = ackNote
        self.silenced = silenced
        self.silencedBy = silencedBy
    }

    /// The stable id of an alert: 16 hex digits of FNV-1a 64 over charger, connector and rule.
    /// Deterministic across restarts and machines, and safe as a topic level.
    public static func makeID(charger: String, connector: Int, rule: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array("\(charger)\u{0}\(connector)\u{0}\(rule)".utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// `{root}/alerts/events`, not retained, QoS 1: every transition that matters to people.
public struct AlertEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case firing, resolved, acknowledged, silenced, unsilenced
    }

    public var at: Date
    public var event: Kind
    /// The alert after the transition.
    public var alert: AlertPayload
    /// Who acknowledged (`acknowledged`) or created the silence (`silenced`).
    public var by: String?
    public var note: String?
    /// The silence that started or ended (`silenced`, `unsilenced`).
    public var silenceId: String?

    public init(at: Date, event: Kind, alert: AlertPayload, by: String? = nil, note: String? = nil, silenceId: String? = nil) {
        self.at = at
        self.event = event
        self.alert = alert
        self.by = by
        self.note = note
        self.silenceId = silenceId
    }
}

/// `{root}/alerts/{id}/ack`, not retained, QoS 1: a technician acknowledges the firing alert `{id}`.
public struct AlertAckRequest: Codable, Sendable, Hashable {
    public var by: String
    public var note: String?

    public init(by: String, note: String? = nil) {
        self.by = by
        self.note = note
    }
}

/// What a silence matches. Every present field must match; an absent field matches anything.
/// `charger` accepts a trailing `*` as a prefix match (`DEPOT-N-*`).
public struct SilenceMatcher: Codable, Sendable, Hashable {
    public var charger: String?
    public var site: String?
    public var rule: String?
    public var group: String?

    public init(charger: String? = nil, site: String? = nil, rule: String? = nil, group: String? = nil) {
        self.charger = charger
        self.site = site
        self.rule = rule
        self.group = group
    }

    public var isEmpty: Bool { charger == nil && site == nil && rule == nil && group == nil }
}

/// A silence or maintenance window: `{root}/alerts/silences/{id}`, retained, QoS 1, while it has not
/// expired; cleared with an empty retained payload when it ends or is expired.
public struct Silence: Codable, Sendable, Hashable {
    public var id: String
    public var matcher: SilenceMatcher
    public var startsAt: Date
    public var endsAt: Date
    public var createdBy: String
    public var comment: String
    public var createdAt: Date
    /// Set when someone ended it before `endsAt`.
    public var expiredAt: Date?
    public var expiredBy: String?

    public init(id: String, matcher: SilenceMatcher, startsAt: Date, endsAt: Date, createdBy: String, comment: String,
                createdAt: Date, expiredAt: Date? = nil, expiredBy: String? = nil) {
        self.id = id
        self.matcher = matcher
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.createdAt = createdAt
        self.expiredAt = expiredAt
        self.expiredBy = expiredBy
    }

    public func isActive(at now: Date) -> Bool {
        guard expiredAt == nil else { return false }
        return startsAt <= now && now < endsAt
    }
}

/// `{root}/alerts/silences/set`, not retained, QoS 1: creates (or, with a known `id`, replaces) a silence.
public struct SilenceRequest: Codable, Sendable, Hashable {
    /// Optional: the daemon assigns one when absent.
    public var id: String?
    public var matcher: SilenceMatcher
    /// Default: now.
    public var startsAt: Date?
    /// Either `endsAt` or `durationS` is required.
    public var endsAt: Date?
    public var durationS: Double?
    public var createdBy: String
    public var comment: String

    public init(id: String? = nil, matcher: SilenceMatcher, startsAt: Date? = nil, endsAt: Date? = nil, durationS: Double? = nil,
                createdBy: String, comment: String) {
        self.id = id
        self.matcher = matcher
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.durationS = durationS
        self.createdBy = createdBy
        self.comment = comment
    }
}

/// `{root}/alerts/silences/{id}/expire`, not retained, QoS 1: ends a silence now.
public struct SilenceExpireRequest: Codable, Sendable, Hashable {
    public var by: String
    public init(by: String) { self.by = by }
}

/// `{root}/alerts/config/status`, retained, QoS 1: which rules file is active, or why the last
/// reload was refused (the previous config then stays active).
public struct AlertsConfigStatus: Codable, Sendable, Hashable {
    public var at: Date
    /// `ok` or `refused`.
    public var status: String
    /// Where the rules came from: the file path, or `topic` for `{root}/alerts/config/set`.
    public var source: String
    /// Hex digest (FNV-1a 64) of the active rules text.
    public var digest: String
    /// `file:line: reason` of a refused reload.
    public var error: String?
    /// The enabled rules of the active config.
    public var rules: [String]

    public init(at: Date, status: String, source: String, digest: String, error: String? = nil, rules: [String]) {
        self.at = at
        self.status = status
        self.source = source
        self.digest = digest
        self.error = error
        self.rules = rules
    }
}
