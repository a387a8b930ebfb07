import ChargeBusContract
import Foundation

/// One input of the engine: a decoded bus message.
public enum HealthInput: Sendable {
    /// nil: the info was cleared (the charger was removed from the registry).
    case info(chargerID: String, ChargerInfo?)
    case state(chargerID: String, ChargerState)
    case boot(chargerID: String, BootInfo)
    case heartbeat(chargerID: String, at: Date)
    /// nil: the retained status was cleared.
    case connectorStatus(chargerID: String, connector: Int, ConnectorStatus?)
    case meter(chargerID: String, connector: Int, MeterReading)
    case transaction(chargerID: String, TransactionEvent)
    case event(chargerID: String, ChargerEvent)
    case bridge(bridgeID: String, BridgeState)
    /// The daemon's own retained `{root}/chargers/{cp}/health`, read back while rebuilding.
    case restoredHealth(chargerID: String, ChargerHealth)
    /// The daemon's own retained `{root}/sessions/{cp}/{n}`, read back while rebuilding.
    case restoredSession(chargerID: String, connector: Int, LiveSession)

    public var chargerID: String? {
        switch self {
        case .info(let id, _), .state(let id, _), .boot(let id, _), .heartbeat(let id, _), .connectorStatus(let id, _, _),
             .meter(let id, _, _), .transaction(let id, _), .event(let id, _), .restoredHealth(let id, _),
             .restoredSession(let id, _, _):
            id
        case .bridge:
            nil
        }
    }
}

/// A bucket change, stored in SQLite for availability reports.
public struct BucketTransition: Sendable, Equatable {
    public var chargerID: String
    public var at: Date
    public var from: HealthBucket?
    /// nil: the charger was removed from the registry (it is no longer observed).
    public var to: HealthBucket?
    public var site: String
    public var `class`: String
    public var reason: String?
    public var errorCode: String?
    public var vendorErrorCode: String?

    public init(chargerID: String, at: Date, from: HealthBucket?, to: HealthBucket?, site: String, class: String,
                reason: String? = nil, errorCode: String? = nil, vendorErrorCode: String? = nil) {
        self.chargerID = chargerID
        self.at = at
        self.from = from
        self.to = to
        self.site = site
        self.class = `class`
        self.reason = reason
        self.errorCode = errorCode
        self.vendorErrorCode = vendorErrorCode
    }
}

/// A missed-beat or reconnect event, stored so that 24 h statistics survive a restart.
public struct ConnectivityEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case missed, reconnect }
    public var chargerID: String
    public var at: Date
    public var kind: Kind
    public var count: Int

    public init(chargerID: String, at: Date, kind: Kind, count: Int) {
        self.chargerID = chargerID
        self.at = at
        self.kind = kind
        self.count = count
    }
}

/// What the daemon knew before a restart, read from its SQLite.
public struct RestoredHistory: Sendable {
    public var lastBuckets: [String: (bucket: HealthBucket, since: Date)]
    public var connectivityEvents: [ConnectivityEvent]
    public var heartbeatSlots: [HeartbeatSlot]

    public init(lastBuckets: [String: (bucket: HealthBucket, since: Date)] = [:], connectivityEvents: [ConnectivityEvent] = [],
                heartbeatSlots: [HeartbeatSlot] = []) {
        self.lastBuckets = lastBuckets
        self.connectivityEvents = connectivityEvents
        self.heartbeatSlots = heartbeatSlots
    }
}

/// What the daemon must publish and store, drained from the engine.
public struct HealthOutputs: Sendable {
    /// nil payload: clear the retained topic.
    public var chargerHealth: [(chargerID: String, health: ChargerHealth?)] = []
    public var sessions: [(chargerID: String, connector: Int, session: LiveSession?)] = []
    public var transitions: [BucketTransition] = []
    public var connectivityEvents: [ConnectivityEvent] = []
    public var heartbeatSlots: [HeartbeatSlot] = []

    public var isEmpty: Bool {
        chargerHealth.isEmpty && sessions.isEmpty && transitions.isEmpty && connectivityEvents.isEmpty && heartbeatSlots.isEmpty
    }
}

/// The health daemon's state machine: takes decoded bus messages and explicit times, keeps one
/// `ChargerRecord` per charger, applies `BucketRules`, and accumulates what to publish and store.
/// No I/O and no clock of its own, so every rule is tested with explicit `Date`s.
///
/// Until `settle(now:)` the engine only collects (the retained burst after a (re)start arrives in
/// no particular order, and a partial picture would record false transitions); afterwards every
/// input is evaluated at once.
public struct HealthEngine: Sendable {
    public let configuration: HealthConfiguration
    public private(set) var chargers: [String: ChargerRecord] = [:]
    public private(set) var bridges: [String: BridgeView] = [:]
    public private(set) var settled = false

    private var restoredBuckets: [String: (bucket: HealthBucket, since: Date)]
    private var restoredEvents: [String: [ConnectivityEvent]]
    private var restoredSlots: [String: [HeartbeatSlot]]
    /// Every state and connector status received before `settle`, in arrival order: the broker's
    /// queue for the persistent session holds what happened while the daemon was down, and
    /// `settle` replays it in bridge time so that an outage that began and ended meanwhile is stored.
    private var rebuildLog: [String: [RebuildEntry]] = [:]

    private var dirtyHealth: Set<String> = []
    private var clearedHealth: Set<String> = []
    private var sessionOutputs: [(String, Int, LiveSession?)] = []
    private var transitions: [BucketTransition] = []
    private var connectivityEvents: [ConnectivityEvent] = []
    private var dirtySlots: Set<SlotKey> = []
    private var lastTickHour: Int64?

    enum RebuildEntry {
        case state(ChargerState)
        case status(connector: Int, ConnectorStatus)

        var at: Date {
            switch self {
            case .state(let state): state.at
            case .status(_, let status): status.at
            }
        }
    }

    struct SlotKey: Hashable {
        var chargerID: String
        var hour: Int64
    }

    /// Set when counts may have changed (a bucket, site or class changed, a charger came or went).
    public var summariesDirty = true
    /// Set when the problem list or the connectivity view may have changed.
    public var listsDirty = true

    public init(configuration: HealthConfiguration, restored: RestoredHistory = .init()) {
        self.configuration = configuration
        self.restoredBuckets = restored.lastBuckets
        self.restoredEvents = Dictionary(grouping: restored.connectivityEvents, by: \.chargerID)
        self.restoredSlots = Dictionary(grouping: restored.heartbeatSlots, by: \.chargerID)
    }

    // MARK: Inputs

    /// Applies one input. Returns true when it changed something subscribers see at once (a bucket,
    /// a connector, a session, a count); false for inputs that only move `lastSeen` and the
    /// heartbeat statistics (those are published with the next periodic flush).
    @discardableResult
    public mutating func apply(_ input: HealthInput, now: Date) -> Bool {
        switch input {
        case .bridge(let bridgeID, let state):
            applyBridge(bridgeID, state, now: now)
            return true
        case .info(let id, nil):
            removeCharger(id, now: now)
            return true
        default:
            break
        }
        guard let id = input.chargerID else { return false }
        let existing = chargers[id]
        let outputsBefore = (transitions.count, sessionOutputs.count)
        var record = existing ?? makeRecord(id)
        var eventTime: Date?
        if !settled {
            switch input {
            case .state(_, let state): rebuildLog[id, default: []].append(.state(state))
            case .connectorStatus(_, let connector, let status?): rebuildLog[id, default: []].append(.status(connector: connector, status))
            default: break
            }
        }
        switch input {
        case .info(_, let info?):
            let before = (record.site(configuration), record.chargerClass(configuration))
            record.info = info
            if before != (record.site(configuration), record.chargerClass(configuration)) { summariesDirty = true; listsDirty = true }
            record.noteChange(info.at)
            eventTime = record.state == nil ? info.at : nil

        case .state(_, let state):
            if let previous = record.state, state.at < previous.at { break }
            let previous = record.state
            if state.online {
                if let previous, state.at > previous.at {
                    record.stats.recordReconnect(at: state.at)
                    connectivityEvents.append(ConnectivityEvent(chargerID: id, at: state.at, kind: .reconnect, count: 1))
                }
                record.state = state
                record.lastHeartbeat = nil
                record.silentSince = nil
                record.lastLiveness = state.at
                touch(&record, at: state.at)
            } else {
                if let base = record.lastLiveness, previous?.online == true {
                    countMissed(&record, gap: state.at.timeIntervalSince(base), at: state.at)
                }
                record.state = state
                record.lastLiveness = nil
                record.lastHeartbeat = nil
                record.noteChange(state.at)
            }
            eventTime = state.at

        case .boot(_, let boot):
            record.heartbeatIntervalS = boot.intervalS
            touch(&record, at: boot.at)
            eventTime = boot.at

        case .heartbeat(_, let at):
            if let last = record.lastHeartbeat, at > last {
                record.stats.recordInterval(at.timeIntervalSince(last), at: at)
                dirtySlots.insert(SlotKey(chargerID: id, hour: HeartbeatStatistics.hour(of: at)))
            }
            if record.lastHeartbeat.map({ at > $0 }) ?? true { record.lastHeartbeat = at }
            touch(&record, at: at)
            eventTime = at

        case .connectorStatus(_, let connector, let status):
            if let status {
                if let existing = record.connectors[connector], status.at < existing.at { break }
                record.connectors[connector] = status
                touch(&record, at: status.at)
                eventTime = status.at
                // In OCPP 1.6 Available means no transaction: a session whose stop we never saw is over.
                if status.status == "Available", let stale = record.sessions[connector], stale.session.at <= status.at {
                    record.sessions[connector] = nil
                    sessionOutputs.append((id, connector, nil))
                }
            } else {
                record.connectors[connector] = nil
                eventTime = now
            }

        case .meter(_, let connector, let reading):
            touch(&record, at: reading.receivedAt)
            applyMeter(&record, connector: connector, reading: reading)
            eventTime = reading.receivedAt

        case .transaction(_, let transaction):
            touch(&record, at: transaction.at)
            applyTransaction(&record, transaction)
            eventTime = transaction.at

        case .event(_, let event):
            if let dbm = SignalStrength.reading(from: event) {
                if record.signal.map({ event.at >= $0.at }) ?? true { record.signal = (dbm, event.at) }
            }
            touch(&record, at: event.at)
            eventTime = event.at

        case .restoredHealth(_, let health):
            if let seen = health.lastSeen, record.lastSeen.map({ seen > $0 }) ?? true { record.lastSeen = seen }
            if record.bucket == nil, restoredBuckets[id] == nil {
                record.bucket = health.bucket
                record.since = health.since
            }
            record.lastPublished = health
            record.lastPublishedAt = health.at

        case .restoredSession(_, let connector, let session):
            if record.sessions[connector] == nil {
                record.sessions[connector] = ActiveSession(session: session, dirty: false)
            }

        case .bridge, .info(_, nil):
            break
        }
        chargers[id] = record
        dirtyHealth.insert(id)
        if settled { evaluate(id, eventTime: eventTime, now: now) }
        guard let existing, let after = chargers[id] else { return true }
        return outputsBefore != (transitions.count, sessionOutputs.count) || existing.evaluation != after.evaluation
            || existing.connectors != after.connectors || after.sessions.values.contains(where: \.dirty)
            || existing.info != after.info
    }

    private mutating func applyBridge(_ bridgeID: String, _ state: BridgeState, now: Date) {
        let previous = bridges[bridgeID]
        if state.online {
            bridges[bridgeID] = BridgeView(online: true, upSince: state.at ?? previous?.upSince ?? now)
        } else {
            bridges[bridgeID] = BridgeView(online: false, upSince: previous?.upSince, downSince: state.at ?? now)
        }
        guard settled else { return }
        let affected = chargers.values.filter { $0.state?.bridge == bridgeID }.map(\.id)
        for id in affected {
            dirtyHealth.insert(id)
            evaluate(id, eventTime: state.online ? nil : (state.at ?? now), now: now)
        }
    }

    private mutating func makeRecord(_ id: String) -> ChargerRecord {
        var record = ChargerRecord(id: id)
        if let restored = restoredBuckets[id] {
            record.bucket = restored.bucket
            record.since = restored.since
        }
        for event in restoredEvents.removeValue(forKey: id) ?? [] {
            switch event.kind {
            case .missed: record.stats.recordMissed(event.count, at: event.at)
            case .reconnect: record.stats.recordReconnect(at: event.at)
            }
        }
        for slot in restoredSlots.removeValue(forKey: id) ?? [] {
            record.stats.restoreIntervals(slot.sums, hour: slot.hour)
        }
        summariesDirty = true
        return record
    }

    private mutating func removeCharger(_ id: String, now: Date) {
        guard let record = chargers.removeValue(forKey: id) else { return }
        for connector in record.sessions.keys { sessionOutputs.append((id, connector, nil)) }
        dirtyHealth.remove(id)
        clearedHealth.insert(id)
        if settled, record.bucket != nil {
            transitions.append(BucketTransition(chargerID: id, at: now, from: record.bucket, to: nil,
                                                site: record.site(configuration), class: record.chargerClass(configuration),
                                                reason: "removed from the registry"))
        }
        summariesDirty = true
        listsDirty = true
    }

    /// Any message from the charger: it is alive. Only messages newer than the last one count
    /// (retained replays and queued old messages must not end a silence or fake a gap).
    private mutating func touch(_ record: inout ChargerRecord, at: Date) {
        record.noteChange(at)
        guard record.lastSeen.map({ at > $0 }) ?? true else { return }
        record.lastSeen = at
        if record.silenceBaseline.map({ at > $0 }) ?? true { record.silenceBaseline = at }
        record.silentSince = nil
        if settled, record.state?.online == true {
            if let base = record.lastLiveness, at > base {
                countMissed(&record, gap: at.timeIntervalSince(base), at: at)
            }
            record.lastLiveness = at
        }
    }

    private mutating func countMissed(_ record: inout ChargerRecord, gap: Double, at: Date) {
        let missed = HeartbeatStatistics.missedBeats(gap: gap, interval: record.effectiveInterval(configuration))
        guard missed > 0 else { return }
        record.stats.recordMissed(missed, at: at)
        connectivityEvents.append(ConnectivityEvent(chargerID: record.id, at: at, kind: .missed, count: missed))
        listsDirty = true
    }

    private mutating func applyMeter(_ record: inout ChargerRecord, connector: Int, reading: MeterReading) {
        guard let transactionID = reading.transactionId else { return }
        if var active = record.sessions[connector], active.session.transactionId == transactionID {
            if reading.receivedAt < active.session.at { return }
            if reading.valid, let energy = reading.sessionEnergyWh { active.session.energyWh = energy }
            if let power = reading.powerW { active.session.powerW = power }
            if let soc = reading.soc { active.session.soc = soc }
            active.session.at = reading.receivedAt
            active.session.durationS = max(0, reading.receivedAt.timeIntervalSince(active.session.startedAt))
            active.dirty = true
            record.sessions[connector] = active
        } else if let status = record.connectors[connector], BucketRules.chargingStatuses.contains(status.status) {
            // The daemon missed the start (it was not running yet): the session is known from here on.
            var session = LiveSession(chargerId: record.id, connector: connector, transactionId: transactionID,
                                      startedAt: reading.at, at: reading.receivedAt)
            if reading.valid, let energy = reading.sessionEnergyWh { session.energyWh = energy }
            session.powerW = reading.powerW
            session.soc = reading.soc
            session.durationS = max(0, reading.receivedAt.timeIntervalSince(reading.at))
            record.sessions[connector] = ActiveSession(session: session, dirty: true)
        }
    }

    private mutating func applyTransaction(_ record: inout ChargerRecord, _ transaction: TransactionEvent) {
        let connector = transaction.connector
        switch transaction.event {
        case .started:
            if let existing = record.sessions[connector], existing.session.transactionId == transaction.transactionId { return }
            let session = LiveSession(chargerId: record.id, connector: connector, transactionId: transaction.transactionId,
                                      idTag: transaction.idTag, startedAt: transaction.chargerTimestamp ?? transaction.at,
                                      energyWh: 0, durationS: 0, meterStartWh: transaction.meterStartWh, at: transaction.at)
            record.sessions[connector] = ActiveSession(session: session, dirty: true)
        case .stopped:
            let match = record.sessions.first { $0.value.session.transactionId == transaction.transactionId }?.key
            if let match {
                record.sessions[match] = nil
                sessionOutputs.append((record.id, match, nil))
            } else if record.sessions[connector] == nil {
                // Unknown to us (started before we ran); clearing is harmless and removes a stale retained session.
                sessionOutputs.append((record.id, connector, nil))
            }
        }
    }

    // MARK: Time

    /// Ends the rebuild: evaluates every charger once, and from now on every input.
    public mutating func settle(now: Date) {
        guard !settled else { return }
        settled = true
        for id in Array(chargers.keys) {
            guard var record = chargers[id] else { continue }
            if record.info == nil, record.state == nil, record.connectors.isEmpty, record.lastPublished != nil {
                // Only our own retained health is left: the charger is gone from the bus.
                chargers[id] = nil
                clearedHealth.insert(id)
                dirtyHealth.remove(id)
                for connector in record.sessions.keys { sessionOutputs.append((id, connector, nil)) }
                continue
            }
            if record.state?.online == true {
                // Heartbeats are not retained: count silence and gaps from the restart, not from the last retained message.
                record.silenceBaseline = max(record.silenceBaseline ?? now, now)
                record.lastLiveness = now
            }
            chargers[id] = record
            dirtyHealth.insert(id)
            replayRebuildLog(id)
            evaluate(id, eventTime: nil, now: now)
        }
        restoredBuckets = [:]
        restoredEvents = [:]
        restoredSlots = [:]
        rebuildLog = [:]
        summariesDirty = true
        listsDirty = true
        lastTickHour = HeartbeatStatistics.hour(of: now)
    }

    /// Replays, in bridge time, the states and connector statuses received while rebuilding that
    /// are newer than the stored bucket's `since`, and stores every bucket change they imply. The
    /// retained messages alone only give the picture now: an outage that began and ended while
    /// the daemon was down is only in the queued messages. What is not newer than `since` is
    /// already in the history and only sets the scene; duplicates and arrival order do not matter.
    ///
    /// The scene before the queue: a charger not stored as Offline was connected, and its
    /// connectors are those of our own retained health (what a status replaced while the daemon
    /// was down said is neither retained nor queued). The rest of the record (info, boot, sessions,
    /// statistics) is taken as it is now.
    private mutating func replayRebuildLog(_ id: String) {
        guard var record = chargers[id], let cutoff = record.since, let restored = record.bucket,
              let log = rebuildLog[id], log.contains(where: { $0.at > cutoff }) else { return }
        // Arrival order breaks ties: the broker delivers the queue in publication order.
        let entries = log.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var picture = record
        picture.state = restored == .offline ? nil : ChargerState(online: true, at: cutoff)
        picture.connectors = [:]
        for (key, connector) in record.lastPublished?.connectors ?? [:] {
            guard let number = Int(key) else { continue }
            picture.connectors[number] = ConnectorStatus(
                at: connector.at, status: connector.status, errorCode: connector.errorCode, vendorId: connector.vendorId,
                vendorErrorCode: connector.vendorErrorCode, info: connector.info)
        }
        picture.silentSince = nil
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .state(let state):
                if let known = picture.state, known.at > state.at { break }
                picture.state = state
            case .status(let connector, let status):
                if let known = picture.connectors[connector], known.at > status.at { break }
                picture.connectors[connector] = status
            }
            let at = entry.at
            if at <= cutoff || (index + 1 < entries.count && entries[index + 1].at == at) { continue }
            if let signal = picture.signal, signal.at > at { picture.signal = nil }
            let evaluation = BucketRules.evaluate(picture, bridges: bridges(asOf: at), configuration: configuration, now: at)
            guard evaluation.bucket != record.bucket else { continue }
            transitions.append(BucketTransition(
                chargerID: id, at: at, from: record.bucket, to: evaluation.bucket, site: record.site(configuration),
                class: record.chargerClass(configuration), reason: evaluation.reason, errorCode: evaluation.errorCode,
                vendorErrorCode: evaluation.vendorErrorCode))
            record.bucket = evaluation.bucket
            record.since = at
        }
        chargers[id] = record
    }

    /// The bridges as they were at `time`, as far as their retained state tells: one that went down
    /// later was up, and one that (re)started later was in its previous run.
    private func bridges(asOf time: Date) -> [String: BridgeView] {
        bridges.mapValues { bridge in
            var view = bridge
            if let down = bridge.downSince, down > time { view = BridgeView(online: true, upSince: bridge.upSince) }
            if let up = view.upSince, up > time { view.upSince = nil }
            return view
        }
    }

    /// Periodic: the silence check, WeakSignal windows ageing out, 24 h statistics rolling over.
    public mutating func tick(now: Date) {
        guard settled else { return }
        let hour = HeartbeatStatistics.hour(of: now)
        let hourChanged = hour != lastTickHour
        lastTickHour = hour
        for id in Array(chargers.keys) {
            guard var record = chargers[id] else { continue }
            if record.state?.online == true, record.silentSince == nil, let baseline = record.silenceBaseline ?? record.lastSeen {
                let deadline = baseline.addingTimeInterval(record.effectiveInterval(configuration) * configuration.offlineGrace)
                if now > deadline {
                    record.silentSince = deadline
                    if let base = record.lastLiveness { countMissed(&record, gap: deadline.timeIntervalSince(base), at: deadline) }
                    record.lastLiveness = nil
                    record.lastHeartbeat = nil
                    chargers[id] = record
                    dirtyHealth.insert(id)
                    evaluate(id, eventTime: deadline, now: now)
                    continue
                }
            }
            if record.bucket == .weakSignal || hourChanged {
                dirtyHealth.insert(id)
                evaluate(id, eventTime: now, now: now)
            }
        }
        if hourChanged { listsDirty = true }
    }

    private mutating func evaluate(_ id: String, eventTime: Date?, now: Date) {
        guard var record = chargers[id] else { return }
        let evaluation = BucketRules.evaluate(record, bridges: bridges, configuration: configuration, now: now)
        if record.evaluation != evaluation {
            if record.evaluation?.bucket.isProblem == true || evaluation.bucket.isProblem { listsDirty = true }
            record.evaluation = evaluation
        }
        if record.bucket != evaluation.bucket || record.since == nil {
            var at = eventTime ?? evaluation.evidenceAt ?? record.lastChangeAt ?? now
            if let since = record.since, at < since { at = since }
            if record.bucket != evaluation.bucket {
                transitions.append(BucketTransition(
                    chargerID: id, at: at, from: record.bucket, to: evaluation.bucket, site: record.site(configuration),
                    class: record.chargerClass(configuration), reason: evaluation.reason, errorCode: evaluation.errorCode,
                    vendorErrorCode: evaluation.vendorErrorCode))
            }
            record.bucket = evaluation.bucket
            record.since = at
            summariesDirty = true
            listsDirty = true
        }
        chargers[id] = record
    }

    // MARK: Outputs

    /// The charger health records that changed, the sessions to publish or clear, the transitions
    /// and connectivity events to store. Nothing before `settle`.
    public mutating func drain(now: Date) -> HealthOutputs {
        var outputs = HealthOutputs()
        guard settled else { return outputs }
        for id in clearedHealth { outputs.chargerHealth.append((id, nil)) }
        clearedHealth = []
        for id in dirtyHealth {
            guard var record = chargers[id], record.bucket != nil else { continue }
            let health = makeHealth(record, now: now)
            if let published = record.lastPublished {
                let same = Self.sameExceptTimes(published, health)
                let onlyLastSeen = same && (published.lastSeen != health.lastSeen || published.heartbeatAvgS != health.heartbeatAvgS
                    || published.heartbeatJitterS != health.heartbeatJitterS)
                let refreshDue = record.lastPublishedAt.map { now.timeIntervalSince($0) >= configuration.lastSeenRefreshS } ?? true
                if same && !(onlyLastSeen && refreshDue) { continue }
            }
            record.lastPublished = health
            record.lastPublishedAt = now
            outputs.chargerHealth.append((id, health))
            for (connector, active) in record.sessions where active.dirty {
                outputs.sessions.append((id, connector, active.session))
                record.sessions[connector]?.dirty = false
            }
            chargers[id] = record
        }
        // Sessions of chargers whose health did not change.
        for id in dirtyHealth {
            guard var record = chargers[id] else { continue }
            var changed = false
            for (connector, active) in record.sessions where active.dirty {
                outputs.sessions.append((id, connector, active.session))
                record.sessions[connector]?.dirty = false
                changed = true
            }
            if changed { chargers[id] = record }
        }
        dirtyHealth = []
        for (id, connector, session) in sessionOutputs { outputs.sessions.append((id, connector, session)) }
        sessionOutputs = []
        outputs.transitions = transitions
        transitions = []
        outputs.connectivityEvents = connectivityEvents
        connectivityEvents = []
        for key in dirtySlots {
            guard let sums = chargers[key.chargerID]?.stats.intervalSlot(hour: key.hour) else { continue }
            outputs.heartbeatSlots.append(HeartbeatSlot(chargerID: key.chargerID, hour: key.hour, sums: sums))
        }
        dirtySlots = []
        return outputs
    }

    /// Equal but for the fields that move with every heartbeat (`lastSeen`, the heartbeat average
    /// and jitter) and the computation time: those alone are republished at most every
    /// `lastSeenRefreshS`, so heartbeats from 10,000 chargers do not become 10,000 publications.
    static func sameExceptTimes(_ a: ChargerHealth, _ b: ChargerHealth) -> Bool {
        var a = a
        a.at = b.at
        a.lastSeen = b.lastSeen
        a.heartbeatAvgS = b.heartbeatAvgS
        a.heartbeatJitterS = b.heartbeatJitterS
        return a == b
    }

    static func rounded(_ value: Double?) -> Double? {
        value.map { ($0 * 1000).rounded() / 1000 }
    }

    public func makeHealth(_ record: ChargerRecord, now: Date) -> ChargerHealth {
        var connectors: [String: ConnectorHealth] = [:]
        for (number, status) in record.connectors {
            connectors[String(number)] = ConnectorHealth(
                status: status.status, errorCode: status.errorCode, vendorId: status.vendorId,
                vendorErrorCode: status.vendorErrorCode, info: status.info, at: status.at,
                transactionId: record.sessions[number]?.session.transactionId)
        }
        let online = record.evaluation.map { !($0.bucket == .offline) } ?? false
        let signal = record.signal.flatMap { now.timeIntervalSince($0.at) <= configuration.signalMaxAgeS ? $0.dbm : nil }
        return ChargerHealth(
            bucket: record.bucket ?? .offline, class: record.chargerClass(configuration), site: record.site(configuration),
            since: record.since ?? now, reason: record.evaluation?.reason, online: online, lastSeen: record.lastSeen,
            heartbeatAvgS: Self.rounded(record.stats.averageInterval(now: now)),
            heartbeatJitterS: Self.rounded(record.stats.jitter(now: now)), heartbeatIntervalS: record.heartbeatIntervalS,
            missedHeartbeats24h: record.stats.missed24h(now: now), reconnects24h: record.stats.reconnects24h(now: now),
            signalDbm: signal, connectors: connectors, at: now)
    }

    /// Fleet counts and one summary per site.
    public func summaries(now: Date) -> (fleet: HealthSummary, sites: [String: HealthSummary]) {
        var fleet = HealthSummary(at: now)
        var sites: [String: HealthSummary] = [:]
        for record in chargers.values {
            guard let bucket = record.bucket else { continue }
            let site = record.site(configuration)
            let klass = record.chargerClass(configuration)
            var summary = sites[site] ?? HealthSummary(at: now, site: site)
            Self.count(bucket, class: klass, into: &fleet)
            Self.count(bucket, class: klass, into: &summary)
            sites[site] = summary
        }
        return (fleet, sites)
    }

    static func count(_ bucket: HealthBucket, class klass: String, into summary: inout HealthSummary) {
        summary.all.add(bucket)
        if klass == "L2" { summary.L2.add(bucket) }
        if klass == "L3" { summary.L3.add(bucket) }
    }

    /// Every Faulted, Offline or WeakSignal charger: Offline first, then Faulted, then WeakSignal,
    /// the longest-standing first within a bucket.
    public func problems(now: Date) -> FleetProblems {
        var list: [ChargerProblem] = []
        for record in chargers.values {
            guard let bucket = record.bucket, bucket.isProblem, let evaluation = record.evaluation else { continue }
            list.append(ChargerProblem(
                chargerId: record.id, site: record.site(configuration), class: record.chargerClass(configuration),
                bucket: bucket, since: record.since ?? now, reason: evaluation.reason, connector: evaluation.connector,
                errorCode: evaluation.errorCode, vendorId: evaluation.vendorId, vendorErrorCode: evaluation.vendorErrorCode,
                info: evaluation.info, lastEventAt: [record.lastSeen, record.lastChangeAt].compactMap { $0 }.max()))
        }
        list.sort { a, b in
            if a.bucket != b.bucket { return a.bucket < b.bucket }
            if a.since != b.since { return a.since < b.since }
            return a.chargerId < b.chargerId
        }
        let count = list.count
        if list.count > configuration.maxProblemsListed { list.removeLast(list.count - configuration.maxProblemsListed) }
        return FleetProblems(at: now, count: count, problems: list)
    }

    /// Chargers whose connectivity is degraded: missed heartbeats or reconnects over the thresholds
    /// within `connectivityWindowS`, or a weak signal reading.
    public func connectivity(now: Date) -> FleetConnectivity {
        var degraded: [ConnectivityEntry] = []
        let window = configuration.connectivityWindowS
        for record in chargers.values {
            var reasons: [String] = []
            if record.stats.missed(within: window, now: now) >= configuration.missedHeartbeatsThreshold { reasons.append("missed-heartbeats") }
            if record.stats.reconnects(within: window, now: now) >= configuration.reconnectsThreshold { reasons.append("reconnect-flapping") }
            let signal = record.signal.flatMap { now.timeIntervalSince($0.at) <= configuration.signalMaxAgeS ? $0.dbm : nil }
            if let signal, signal < configuration.weakSignalDbm { reasons.append("weak-signal") }
            if record.connectors.values.contains(where: { $0.errorCode == "WeakSignal" }) { reasons.append("weak-signal-error") }
            guard !reasons.isEmpty else { continue }
            degraded.append(ConnectivityEntry(
                chargerId: record.id, site: record.site(configuration), class: record.chargerClass(configuration),
                reasons: reasons, heartbeatIntervalS: record.heartbeatIntervalS,
                heartbeatAvgS: Self.rounded(record.stats.averageInterval(now: now)),
                heartbeatJitterS: Self.rounded(record.stats.jitter(now: now)),
                missedHeartbeats24h: record.stats.missed24h(now: now), reconnects24h: record.stats.reconnects24h(now: now),
                signalDbm: signal, lastSeen: record.lastSeen))
        }
        degraded.sort { $0.chargerId < $1.chargerId }
        let count = degraded.count
        if degraded.count > configuration.maxProblemsListed { degraded.removeLast(degraded.count - configuration.maxProblemsListed) }
        return FleetConnectivity(at: now, chargers: chargers.count, degradedCount: count, degraded: degraded)
    }
}
