import ChargeBusContract
import Foundation

/// A bus event the engine understands. The daemon decodes payloads into these; tests build them directly.
public enum EngineInput: Sendable {
    case info(charger: String, ChargerInfo?)
    case state(charger: String, ChargerState)
    case boot(charger: String, BootInfo)
    case status(charger: String, connector: Int, ConnectorStatus)
    case meter(charger: String, connector: Int, MeterReading)
    case transaction(charger: String, TransactionEvent)
    case dataTransfer(charger: String, ChargerEvent)
    case bridge(BridgeState)
    case ack(alertID: String, AlertAckRequest)
    case setSilence(Silence)
    case expireSilence(id: String, by: String)
}

/// What the daemon must do after the engine handled an input or a tick.
public enum EngineAction: Sendable, Equatable {
    /// An alert changed. `event` is nil for a change that is only republished retained.
    /// A `resolved` alert clears its retained topic.
    case alert(AlertPayload, event: AlertEvent?)
    /// A vendor code no table translates: count it.
    case unknownCode(vendorId: String?, code: String, charger: String, at: Date)
    /// A silence was created, replaced, or ended (`ended` → clear its retained topic).
    case silence(Silence, ended: Bool)
    /// An ack for an alert that is not firing.
    case ackRejected(alertID: String, by: String, reason: String)
}

/// A firing alert, with its keep-firing state.
public struct LiveAlert: Codable, Sendable, Hashable {
    public var payload: AlertPayload
    /// Since when the condition has been clear (the keep-firing period), nil while it holds.
    public var clearSince: Date?
}

/// The alert engine: plain state in, actions out. Every method takes the current time explicitly,
/// so the tests drive it with fixed `Date`s and the daemon with its clock.
public struct AlertEngine: Sendable {
    public private(set) var config: AlertsConfig
    public var codes: CodeBook
    public private(set) var tracks: [String: ChargerTrack] = [:]
    public private(set) var live: [String: LiveAlert] = [:]
    public private(set) var silences: [String: Silence] = [:]
    /// The last incident number of every alert id, so a new firing gets the next one.
    public private(set) var incidents: [String: Int] = [:]
    private var liveByCharger: [String: Set<String>] = [:]
    private var scheduler = DeadlineScheduler()
    /// Chargers whose track changed since the last `takeDirty()`.
    private var dirty: Set<String> = []
    /// Silence ids whose start or end is still ahead, to re-check matches then.
    private var silenceBoundaries: [Date] = []

    public init(config: AlertsConfig, codes: CodeBook = CodeBook()) {
        self.config = config
        self.codes = codes
    }

    // MARK: Restart

    /// Restores what SQLite kept, then re-evaluates every charger: overdue pending periods fire
    /// (with their original `since`), firing alerts stay firing without a new event.
    ///
    /// - Parameter evaluateAt: when to re-evaluate (default: now). The daemon passes a moment a few
    ///   seconds ahead, so that what the broker queued for its persistent session while it was down
    ///   (a charger that came back, a fault that cleared) is applied first: no alert fires for a
    ///   condition that ended during the downtime.
    public mutating func restore(tracks: [String: ChargerTrack], liveAlerts: [LiveAlert], incidents: [String: Int], silences: [Silence],
                                 now: Date, evaluateAt: Date? = nil) -> [EngineAction] {
        self.tracks = tracks
        self.incidents = incidents
        for silence in silences { self.silences[silence.id] = silence }
        for alert in liveAlerts {
            self.live[alert.payload.id] = alert
            liveByCharger[alert.payload.charger, default: []].insert(alert.payload.id)
        }
        var actions: [EngineAction] = []
        for charger in Set(tracks.keys).union(liveByCharger.keys) {
            if let evaluateAt, evaluateAt > now {
                scheduler.schedule(charger, at: evaluateAt)
            } else {
                evaluate(charger, now: now, into: &actions)
            }
        }
        refreshSilences(now: now, into: &actions)
        return actions
    }

    // MARK: Config

    /// Swaps the rules. Alerts of rules that are gone or disabled resolve through their keep-firing period.
    public mutating func reconfigure(_ config: AlertsConfig, codes: CodeBook, now: Date) -> [EngineAction] {
        self.config = config
        self.codes = codes
        var actions: [EngineAction] = []
        for charger in Set(tracks.keys).union(liveByCharger.keys) {
            evaluate(charger, now: now, into: &actions)
        }
        return actions
    }

    // MARK: Inputs

    public mutating func handle(_ input: EngineInput, now: Date) -> [EngineAction] {
        var actions: [EngineAction] = []
        switch input {
        case .info(let cp, nil) where liveByCharger[cp] == nil:
            // Removed from the registry and nothing firing: forget it, so memory follows the fleet.
            tracks[cp] = nil
            dirty.insert(cp)
            scheduler.schedule(cp, at: nil)
        case .info(let cp, let info):
            var track = take(cp)
            track.site = info?.site
            track.chargerClass = info?.class
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .state(let cp, let state):
            var track = take(cp)
            Self.apply(state: state, to: &track, window: maxWindow(.flapping))
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .boot(let cp, let boot):
            var track = take(cp)
            track.bootVendor = boot.vendor
            // Retained boots are re-delivered on every resubscribe: count each boot once.
            if track.lastBootAt.map({ boot.at > $0 }) ?? true {
                track.lastBootAt = boot.at
                // A boot right after a reconnect is the same restart; count it once.
                let sameRestart = track.reconnects.last.map { abs($0.at.timeIntervalSince(boot.at)) < 30 } ?? false
                if !sameRestart {
                    Self.append(Stamp(at: boot.at, what: "boot \(Timestamp.format(boot.at))"), to: &track.reconnects,
                                window: maxWindow(.flapping), now: boot.at)
                }
            }
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .status(let cp, let connector, let status):
            var track = take(cp)
            actions += applyStatus(status, connector: connector, charger: cp, to: &track)
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .meter(let cp, let connector, let reading):
            var track = take(cp)
            applyMeter(reading, connector: connector, to: &track)
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .transaction(let cp, let event):
            var track = take(cp)
            applyTransaction(event, to: &track)
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .dataTransfer(let cp, let event):
            guard let dbm = signal(in: event.data) else { return [] }
            var track = take(cp)
            let threshold = ruleSettings(.weakSignal, charger: cp, track: track)?.signalBelowDbm
            track.signalDbm = dbm
            track.signalAt = event.at
            if let threshold, dbm < threshold {
                if track.weakSignalSince == nil { track.weakSignalSince = event.at }
            } else {
                track.weakSignalSince = nil
            }
            put(cp, track)
            evaluate(cp, now: now, into: &actions)
        case .bridge(let bridge):
            // The last will of a dead bridge: every charger it held is offline from now on.
            guard !bridge.online else { return [] }
            let held = tracks.filter { $0.value.bridge == bridge.bridge && $0.value.online == true }.map(\.key)
            for cp in held {
                var track = take(cp)
                track.online = false
                track.offlineSince = bridge.at ?? now
                put(cp, track)
                evaluate(cp, now: now, into: &actions)
            }
        case .ack(let id, let request):
            acknowledge(id, request: request, now: now, into: &actions)
        case .setSilence(let silence):
            silences[silence.id] = silence
            actions.append(.silence(silence, ended: silence.endsAt <= now))
            refreshSilences(now: now, into: &actions)
        case .expireSilence(let id, let by):
            guard var silence = silences[id], silence.expiredAt == nil else { return [] }
            silence.expiredAt = now
            silence.expiredBy = by
            silences[id] = silence
            actions.append(.silence(silence, ended: true))
            refreshSilences(now: now, into: &actions)
        }
        return actions
    }

    /// Fires the hold times and keep-firing periods that are due, and silence boundaries.
    public mutating func tick(now: Date) -> [EngineAction] {
        var actions: [EngineAction] = []
        for charger in scheduler.popDue(now: now) {
            evaluate(charger, now: now, into: &actions)
        }
        if let first = silenceBoundaries.first, first <= now {
            refreshSilences(now: now, into: &actions)
        }
        return actions
    }

    /// The earliest time at which `tick` has something to do.
    public var nextDeadline: Date? {
        [scheduler.next, silenceBoundaries.first].compactMap { $0 }.min()
    }

    /// The chargers whose track changed since the last call, with their track (nil when forgotten).
    public mutating func takeDirty() -> [(String, ChargerTrack?)] {
        defer { dirty.removeAll(keepingCapacity: true) }
        return dirty.map { ($0, tracks[$0]) }
    }

    // MARK: Track updates

    private func take(_ charger: String) -> ChargerTrack { tracks[charger] ?? ChargerTrack() }

    private mutating func put(_ charger: String, _ track: ChargerTrack) {
        tracks[charger] = track
        dirty.insert(charger)
    }

    private func maxWindow(_ kind: RuleKind) -> Double {
        config.rules.filter { $0.kind == kind }.map { max($0.settings.windowS, $0.overrides.compactMap(\.windowS).max() ?? 0) }.max() ?? 3600
    }

    static func append(_ stamp: Stamp, to list: inout [Stamp], window: Double, now: Date) {
        list.append(stamp)
        list.sort { $0.at < $1.at }
        let horizon = now.addingTimeInterval(-window)
        list.removeAll { $0.at < horizon }
        if list.count > ChargerTrack.maxStamps { list.removeFirst(list.count - ChargerTrack.maxStamps) }
    }

    static func apply(state: ChargerState, to track: inout ChargerTrack, window: Double) {
        // A re-delivered retained state (same or older `at`) changes nothing.
        if let onlineAt = track.onlineAt, state.at <= onlineAt, track.online == state.online { return }
        if state.online {
            let isNewConnection = track.online != true || (track.onlineAt.map { state.at > $0 } ?? true)
            if isNewConnection, track.onlineAt.map({ state.at > $0 }) ?? true {
                // The first state ever seen is not a reconnect: it is the daemon learning the charger.
                if track.online != nil || track.onlineAt != nil {
                    append(Stamp(at: state.at, what: "reconnect \(Timestamp.format(state.at))"), to: &track.reconnects, window: window, now: state.at)
                }
            }
            track.online = true
            track.onlineAt = state.at
            track.offlineSince = nil
        } else {
            if track.online != false || track.offlineSince == nil { track.offlineSince = state.at }
            track.online = false
            track.onlineAt = max(track.onlineAt ?? state.at, state.at)
        }
        track.bridge = state.bridge ?? track.bridge
    }

    private func applyStatus(_ status: ConnectorStatus, connector: Int, charger: String, to track: inout ChargerTrack) -> [EngineAction] {
        var c = track.connectors[connector] ?? ConnectorTrack()
        // Retained statuses come again on every resubscribe; an older one must not undo a newer one.
        if let last = c.statusAt, status.at < last { return [] }
        if let last = c.statusAt, status.at == last, c.status == status.status { return [] }
        var actions: [EngineAction] = []
        let previous = c.status
        if previous != status.status {
            c.statusSince = status.at
            // Preparing back to Available without a transaction: a session that never started.
            if previous == "Preparing", status.status == "Available", let preparing = c.preparingSince,
               !(c.lastTxStartedAt.map { $0 >= preparing && $0 <= status.at } ?? false) {
                Self.append(Stamp(at: status.at, what: "connector \(connector): never started (Preparing → Available)"),
                            to: &track.failures, window: maxWindow(.failedSessions), now: status.at)
            }
            c.preparingSince = status.status == "Preparing" ? status.at : nil
        }
        if c.errorCode != status.errorCode { c.errorSince = status.at }
        let codeChanged = c.vendorErrorCode != status.vendorErrorCode || c.vendorId != status.vendorId
        if codeChanged {
            c.vendorCodeSince = status.vendorErrorCode == nil ? nil : status.at
            if let code = status.vendorErrorCode, !Self.isNoErrorCode(code) {
                for t in codes.translate(vendorId: status.vendorId, code: code, bootVendor: track.bootVendor) where !t.known {
                    actions.append(.unknownCode(vendorId: status.vendorId, code: t.code, charger: charger, at: status.at))
                }
            }
        }
        c.status = status.status
        c.statusAt = status.at
        c.errorCode = status.errorCode
        c.vendorId = status.vendorId
        c.vendorErrorCode = status.vendorErrorCode
        c.info = status.info
        track.connectors[connector] = c
        return actions
    }

    /// Codes chargers send in normal operation (ABB's `0x00`): never counted as unknown.
    static func isNoErrorCode(_ code: String) -> Bool {
        ["", "0", "0X0", "0X00", "0X0000", "NOERROR", "NONE", "NULL"].contains(CodeBook.normalize(code))
    }

    private func applyMeter(_ reading: MeterReading, connector: Int, to track: inout ChargerTrack) {
        var c = track.connectors[connector] ?? ConnectorTrack()
        let at = reading.receivedAt
        if c.tx == nil, reading.transactionId != nil {
            // The start was missed (the daemon was down, or the start came before the subscription).
            c.tx = TxTrack(id: reading.transactionId, startedAt: at)
        }
        guard var tx = c.tx else {
            track.connectors[connector] = c
            return
        }
        tx.lastMeterAt = max(tx.lastMeterAt ?? at, at)
        if let soc = reading.soc {
            let minProgress = firstSettings(.socStall)?.minSocProgress ?? 1
            if let base = tx.socBase {
                if soc - base >= minProgress || soc < base - minProgress {
                    tx.socBase = soc
                    tx.socProgressAt = at
                }
            } else {
                tx.socBase = soc
                tx.socProgressAt = at
            }
            tx.soc = soc
        }
        if reading.valid, let energy = reading.energyWh {
            let minProgress = firstSettings(.energyStall)?.minEnergyProgressWh ?? 10
            if let base = tx.energyBase {
                if energy - base >= minProgress {
                    tx.energyBase = energy
                    tx.energyProgressAt = at
                }
            } else {
                tx.energyBase = energy
                tx.energyProgressAt = at
            }
            tx.energyWh = energy
        }
        if let power = reading.powerW {
            let zero = firstSettings(.energyStall)?.zeroPowerW ?? 0
            if power <= zero {
                if tx.zeroPowerSince == nil { tx.zeroPowerSince = at }
            } else {
                tx.zeroPowerSince = nil
            }
            tx.powerW = power
        }
        c.tx = tx
        track.connectors[connector] = c
    }

    private func applyTransaction(_ event: TransactionEvent, to track: inout ChargerTrack) {
        var c = track.connectors[event.connector] ?? ConnectorTrack()
        switch event.event {
        case .started:
            c.tx = TxTrack(id: event.transactionId, startedAt: event.at)
            c.lastTxStartedAt = max(c.lastTxStartedAt ?? event.at, event.at)
        case .stopped:
            let settings = firstSettings(.failedSessions) ?? AlertsConfig.defaultSettings(.failedSessions)
            var reasons: [String] = []
            if let reason = event.reason, settings.errorStopReasons.contains(reason) { reasons.append("stopped: \(reason)") }
            let startedAt = c.tx.flatMap { $0.id == event.transactionId || $0.id == nil ? $0.startedAt : nil }
            let begin = event.chargerTimestamp.flatMap { _ in startedAt } ?? startedAt
            if let begin, event.at.timeIntervalSince(begin) < settings.minSessionS {
                reasons.append("shorter than \(Int(settings.minSessionS)) s")
            }
            if let energy = event.energyWh, energy < settings.minSessionEnergyWh {
                reasons.append("\(Int(energy)) Wh < \(Int(settings.minSessionEnergyWh)) Wh")
            }
            if !reasons.isEmpty {
                Self.append(Stamp(at: event.at, what: "connector \(event.connector) tx \(event.transactionId): \(reasons.joined(separator: ", "))"),
                            to: &track.failures, window: maxWindow(.failedSessions), now: event.at)
            }
            c.tx = nil
        }
        track.connectors[event.connector] = c
    }

    private func signal(in data: JSONValue) -> Double? {
        let keys = firstSettings(.weakSignal)?.signalKeys ?? ["rssi"]
        var object: [String: JSONValue]?
        if case .object(let dict) = data { object = dict }
        if case .object(let outer) = data, case .string(let inner)? = outer["data"],
           let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(inner.utf8)), case .object(let dict) = parsed {
            object = dict
        }
        if case .object(let outer) = data, case .object(let dict)? = outer["data"] { object = dict }
        guard let object else { return nil }
        for key in keys {
            switch object[key] {
            case .number(let value)?: return value
            case .string(let text)?: if let value = Double(text) { return value }
            default: continue
            }
        }
        return nil
    }

    private func firstSettings(_ kind: RuleKind) -> RuleSettings? {
        config.rules.first { $0.kind == kind }?.settings
    }

    private func ruleSettings(_ kind: RuleKind, charger: String, track: ChargerTrack) -> RuleSettings? {
        guard let rule = config.rules.first(where: { $0.kind == kind }) else { return nil }
        let groups = config.groups(charger: charger, site: track.site, class: track.chargerClass)
        return rule.settings(charger: charger, site: track.site, class: track.chargerClass, groups: groups)
    }

    // MARK: Evaluation

    /// A condition that holds now: since when, and what to say about it.
    struct Condition {
        var connector: Int
        var since: Date
        var summary: String
        var details: AlertDetails
        var severity: AlertSeverity?
        /// When a windowed condition stops holding by itself.
        var until: Date?
    }

    private mutating func evaluate(_ charger: String, now: Date, into actions: inout [EngineAction]) {
        let track = tracks[charger] ?? ChargerTrack()
        let groups = config.groups(charger: charger, site: track.site, class: track.chargerClass)
        var seen: Set<String> = []
        var deadlines: [Date] = []
        for rule in config.rules {
            let settings = rule.settings(charger: charger, site: track.site, class: track.chargerClass, groups: groups)
            guard settings.enabled else { continue }
            for condition in conditions(rule.kind, settings: settings, charger: charger, track: track, now: now) {
                let id = AlertPayload.makeID(charger: charger, connector: condition.connector, rule: rule.name)
                seen.insert(id)
                if let until = condition.until { deadlines.append(until) }
                let fireAt = condition.since.addingTimeInterval(settings.forS)
                if var alert = live[id] {
                    // Stall rules measure "no progress for `for`": once progress resets `since`, the
                    // stall is over even if the readings stay low, so the alert starts to clear.
                    if rule.kind.resetsOnProgress, fireAt > now {
                        seen.remove(id)
                        deadlines.append(fireAt)
                        continue
                    }
                    if alert.clearSince != nil {
                        // The condition came back within the keep-firing period: still the same incident.
                        alert.clearSince = nil
                        live[id] = alert
                        actions.append(.alert(alert.payload, event: nil))
                    }
                    continue
                }
                guard fireAt <= now else {
                    deadlines.append(fireAt)
                    continue
                }
                let incident = (incidents[id] ?? 0) + 1
                incidents[id] = incident
                var payload = AlertPayload(
                    id: id, incident: incident, rule: rule.name, kind: rule.kind.rawValue,
                    severity: condition.severity ?? settings.severity, state: .firing, charger: charger,
                    connector: condition.connector, site: track.site, class: track.chargerClass,
                    groups: groups.isEmpty ? nil : groups, since: condition.since, firedAt: now, at: now,
                    summary: condition.summary, details: condition.details)
                let matching = matchingSilences(payload, now: now)
                payload.silenced = !matching.isEmpty
                payload.silencedBy = matching.isEmpty ? nil : matching
                live[id] = LiveAlert(payload: payload)
                liveByCharger[charger, default: []].insert(id)
                actions.append(.alert(payload, event: AlertEvent(at: now, event: .firing, alert: payload)))
            }
        }
        // Firing alerts whose condition no longer holds: keep firing for the hysteresis, then resolve.
        for id in liveByCharger[charger] ?? [] where !seen.contains(id) {
            guard var alert = live[id] else { continue }
            // A rule that was removed or disabled resolves at once; otherwise keep firing for the hysteresis.
            let keep = config.rule(named: alert.payload.rule).map {
                $0.settings(charger: charger, site: track.site, class: track.chargerClass, groups: groups)
            }.map { $0.enabled ? $0.keepFiringForS : 0 } ?? 0
            let clearSince = alert.clearSince ?? now
            if clearSince.addingTimeInterval(keep) <= now {
                var payload = alert.payload
                payload.state = .resolved
                payload.resolvedAt = now
                payload.at = now
                live[id] = nil
                liveByCharger[charger]?.remove(id)
                actions.append(.alert(payload, event: AlertEvent(at: now, event: .resolved, alert: payload)))
            } else {
                if alert.clearSince == nil {
                    alert.clearSince = clearSince
                    live[id] = alert
                    actions.append(.alert(alert.payload, event: nil))
                }
                deadlines.append(clearSince.addingTimeInterval(keep))
            }
        }
        if liveByCharger[charger]?.isEmpty == true { liveByCharger[charger] = nil }
        scheduler.schedule(charger, at: deadlines.filter { $0 > now }.min())
    }

    private func conditions(_ kind: RuleKind, settings s: RuleSettings, charger: String, track: ChargerTrack, now: Date) -> [Condition] {
        let sorted = track.connectors.sorted { $0.key < $1.key }
        let online = track.online != false
        switch kind {
        case .disconnected:
            guard track.online == false, let since = track.offlineSince else { return [] }
            let minutes = Int(now.timeIntervalSince(since) / 60)
            return [Condition(connector: 0, since: since,
                              summary: "\(charger) has been offline since \(Timestamp.format(since)) (\(minutes) min)",
                              details: AlertDetails(values: ["offlineS": now.timeIntervalSince(since).rounded()]))]
        case .faulted:
            return sorted.compactMap { n, c in
                guard c.status == "Faulted", let since = c.statusSince else { return nil }
                let translations = c.vendorErrorCode.map { codes.translate(vendorId: c.vendorId, code: $0, bootVendor: track.bootVendor) }
                let what = n == 0 ? charger : "\(charger) connector \(n)"
                var text = "\(what) is Faulted: \(c.errorCode ?? "?")"
                if let t = translations, !t.isEmpty {
                    text += ", " + t.map { ($0.vendor.map { "\($0) " } ?? "") + ($0.known ? "\($0.code) \($0.text)" : "code \($0.code) (unknown)") }.joined(separator: "; ")
                    if let action = t.first(where: { $0.action != nil })?.action { text += ". \(action)" }
                }
                return Condition(connector: n, since: since, summary: text,
                                 details: AlertDetails(status: c.status, errorCode: c.errorCode, vendorId: c.vendorId,
                                                       vendorErrorCode: c.vendorErrorCode, info: c.info, vendorCodes: translations,
                                                       values: ["faultedS": now.timeIntervalSince(since).rounded()]))
            }
        case .vendorCode:
            return sorted.compactMap { n, c in
                guard c.status != "Faulted", let raw = c.vendorErrorCode, !Self.isNoErrorCode(raw), let since = c.vendorCodeSince else { return nil }
                let translations = codes.translate(vendorId: c.vendorId, code: raw, bootVendor: track.bootVendor)
                let chosen = translations.filter { t in
                    s.codes.contains { entry in
                        // vendorIds may contain '/' (https://chargex.inl.gov): the code follows the last one.
                        guard let slash = entry.lastIndex(of: "/") else { return false }
                        let parts = [String(entry[..<slash]), String(entry[entry.index(after: slash)...])]
                        let vendorMatches = parts[0] == "*" || parts[0].lowercased() == (c.vendorId ?? "").lowercased()
                            || parts[0].lowercased() == (t.vendor ?? "").lowercased()
                        return vendorMatches && CodeBook.normalize(parts[1]) == CodeBook.normalize(t.code)
                    } || (s.minCodeSeverity.map { min in t.known && (t.severity ?? .info) >= min } ?? false)
                }
                guard !chosen.isEmpty else { return nil }
                let severity = s.severityFromCode ? chosen.compactMap(\.severity).max() : nil
                let what = n == 0 ? charger : "\(charger) connector \(n)"
                let text = "\(what) reports " + chosen.map { "\($0.vendor ?? c.vendorId ?? "vendor") \($0.code): \($0.text)" }.joined(separator: "; ")
                    + " (status \(c.status ?? "?"))" + (chosen.first(where: { $0.action != nil })?.action.map { ". \($0)" } ?? "")
                return Condition(connector: n, since: since, summary: text,
                                 details: AlertDetails(status: c.status, errorCode: c.errorCode, vendorId: c.vendorId,
                                                       vendorErrorCode: raw, info: c.info, vendorCodes: translations),
                                 severity: severity)
            }
        case .socStall:
            guard online else { return [] }
            return sorted.compactMap { n, c in
                guard let tx = c.tx, let soc = tx.soc, soc < s.socBelow, let progress = tx.socProgressAt else { return nil }
                let since = max(progress, tx.startedAt)
                let minutes = Int(now.timeIntervalSince(since) / 60)
                return Condition(connector: n, since: since,
                                 summary: "\(charger) connector \(n): SoC stuck at \(Self.number(soc)) % (below \(Self.number(s.socBelow)) %) for \(minutes) min",
                                 details: AlertDetails(status: c.status, values: ["soc": soc, "socBelow": s.socBelow,
                                                                                  "noProgressS": now.timeIntervalSince(since).rounded()],
                                                       transactionId: tx.id))
            }
        case .energyStall:
            guard online else { return [] }
            return sorted.compactMap { n, c in
                guard c.status == "Charging", let chargingSince = c.statusSince, let tx = c.tx else { return nil }
                let stalled = [tx.energyProgressAt, tx.zeroPowerSince].compactMap { $0 }.min()
                guard let stalled else { return nil }
                let since = max(stalled, chargingSince)
                let minutes = Int(now.timeIntervalSince(since) / 60)
                var values: [String: Double] = ["noProgressS": now.timeIntervalSince(since).rounded()]
                if let e = tx.energyWh { values["energyWh"] = e }
                if let p = tx.powerW { values["powerW"] = p }
                let why = tx.zeroPowerSince != nil && tx.zeroPowerSince == stalled
                    ? "power at \(Self.number(tx.powerW ?? 0)) W" : "energy register stuck at \(Self.number(tx.energyWh ?? 0)) Wh"
                return Condition(connector: n, since: since,
                                 summary: "\(charger) connector \(n) is Charging but delivers nothing: \(why) for \(minutes) min",
                                 details: AlertDetails(status: c.status, values: values, transactionId: tx.id))
            }
        case .failedSessions, .flapping:
            let list = kind == .failedSessions ? track.failures : track.reconnects
            let horizon = now.addingTimeInterval(-s.windowS)
            let recent = list.filter { $0.at >= horizon && $0.at <= now }
            guard recent.count >= s.count else { return [] }
            let since = recent[recent.count - s.count].at
            let until = recent[recent.count - s.count].at.addingTimeInterval(s.windowS)
            let noun = kind == .failedSessions ? "failed sessions" : "reconnects or boots"
            let window = s.windowS >= 3600 ? "\(Self.number(s.windowS / 3600)) h" : "\(Int(s.windowS / 60)) min"
            return [Condition(connector: 0, since: since,
                              summary: "\(charger): \(recent.count) \(noun) within \(window)",
                              details: AlertDetails(values: [kind == .failedSessions ? "failedSessions" : "reconnects": Double(recent.count),
                                                             "windowS": s.windowS, "count": Double(s.count)],
                                                    recent: recent.suffix(10).map { "\(Timestamp.format($0.at)) \($0.what)" }),
                              until: until.addingTimeInterval(0.001))]
        case .weakSignal:
            var starts: [Date] = sorted.compactMap { _, c in c.errorCode == "WeakSignal" ? c.errorSince : nil }
            if let since = track.weakSignalSince { starts.append(since) }
            guard let since = starts.min() else { return [] }
            var values: [String: Double] = [:]
            if let dbm = track.signalDbm { values["signalDbm"] = dbm }
            if let threshold = s.signalBelowDbm { values["signalBelowDbm"] = threshold }
            return [Condition(connector: 0, since: since,
                              summary: "\(charger) has a weak signal" + (track.signalDbm.map { " (\(Self.number($0)) dBm)" } ?? " (WeakSignal reported)"),
                              details: AlertDetails(errorCode: starts.count > (track.weakSignalSince == nil ? 0 : 1) ? "WeakSignal" : nil, values: values))]
        case .suspended:
            guard online else { return [] }
            return sorted.compactMap { n, c in
                guard let status = c.status, s.statuses.contains(status), let tx = c.tx, let since = c.statusSince else { return nil }
                let minutes = Int(now.timeIntervalSince(since) / 60)
                let who = status == "SuspendedEV" ? "the vehicle" : "the charger"
                return Condition(connector: n, since: since,
                                 summary: "\(charger) connector \(n): \(status) for \(minutes) min during a transaction (\(who) is not charging)",
                                 details: AlertDetails(status: status, values: ["suspendedS": now.timeIntervalSince(since).rounded()], transactionId: tx.id))
            }
        case .staleSession:
            return sorted.compactMap { n, c in
                guard let tx = c.tx else { return nil }
                let since = max(tx.startedAt, tx.lastMeterAt ?? tx.startedAt)
                let minutes = Int(now.timeIntervalSince(since) / 60)
                return Condition(connector: n, since: since,
                                 summary: "\(charger) connector \(n): transaction \(tx.id?.description ?? "?") open with no meter values for \(minutes) min",
                                 details: AlertDetails(status: c.status, values: ["noMeterValuesS": now.timeIntervalSince(since).rounded()], transactionId: tx.id))
            }
        }
    }

    public static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }

    // MARK: Acks and silences

    private mutating func acknowledge(_ id: String, request: AlertAckRequest, now: Date, into actions: inout [EngineAction]) {
        guard var alert = live[id] else {
            actions.append(.ackRejected(alertID: id, by: request.by, reason: "no firing alert has this id"))
            return
        }
        alert.payload.acknowledged = true
        alert.payload.ackBy = request.by
        alert.payload.ackAt = now
        alert.payload.ackNote = request.note
        alert.payload.at = now
        live[id] = alert
        actions.append(.alert(alert.payload, event: AlertEvent(at: now, event: .acknowledged, alert: alert.payload, by: request.by, note: request.note)))
    }

    func matchingSilences(_ alert: AlertPayload, now: Date) -> [String] {
        silences.values.filter { silence in
            guard silence.isActive(at: now) else { return false }
            let m = silence.matcher
            if let charger = m.charger, !Glob.matches(charger, alert.charger) { return false }
            if let site = m.site, site != alert.site { return false }
            if let rule = m.rule, rule != alert.rule, rule != alert.kind { return false }
            if let group = m.group, !(alert.groups ?? []).contains(group) { return false }
            return true
        }.map(\.id).sorted()
    }

    /// Re-checks which firing alerts are silenced, after a silence changed or a boundary passed.
    private mutating func refreshSilences(now: Date, into actions: inout [EngineAction]) {
        // Silences that ended by time: announce and forget them.
        for (id, silence) in silences where silence.expiredAt == nil && silence.endsAt <= now {
            silences[id] = nil
            actions.append(.silence(silence, ended: true))
        }
        for (id, silence) in silences where silence.expiredAt != nil { silences[id] = nil }
        silenceBoundaries = silences.values.flatMap { [$0.startsAt, $0.endsAt] }.filter { $0 > now }.sorted()
        for id in live.keys.sorted() {
            guard var alert = live[id] else { continue }
            let matching = matchingSilences(alert.payload, now: now)
            let was = alert.payload.silencedBy ?? []
            guard matching != was else { continue }
            alert.payload.silenced = !matching.isEmpty
            alert.payload.silencedBy = matching.isEmpty ? nil : matching
            alert.payload.at = now
            live[id] = alert
            let kind: AlertEvent.Kind = matching.isEmpty ? .unsilenced : .silenced
            let silenceID = matching.isEmpty ? was.first : matching.first(where: { !was.contains($0) }) ?? matching.first
            let creator = silenceID.flatMap { silences[$0]?.createdBy }
            actions.append(.alert(alert.payload, event: AlertEvent(at: now, event: kind, alert: alert.payload, by: creator, silenceId: silenceID)))
        }
    }
}

/// A min-heap of (deadline, charger) with lazy deletion: each charger keeps at most its earliest
/// deadline, so the heap stays about as large as the number of chargers with something pending.
struct DeadlineScheduler: Sendable {
    private var heap: [(Date, String)] = []
    private var current: [String: Date] = [:]

    var next: Date? { heap.first?.0 }

    mutating func schedule(_ charger: String, at date: Date?) {
        guard let date else {
            current[charger] = nil
            return
        }
        if let existing = current[charger], existing <= date, existing > Date.distantPast {
            // An earlier wake-up is already queued; it re-evaluates and reschedules then.
            return
        }
        current[charger] = date
        push((date, charger))
    }

    mutating func popDue(now: Date) -> [String] {
        var due: [String] = []
        while let top = heap.first, top.0 <= now {
            pop()
            if current[top.1] == top.0 {
                current[top.1] = nil
                due.append(top.1)
            }
        }
        return due
    }

    private mutating func push(_ item: (Date, String)) {
        heap.append(item)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].0 < heap[parent].0 else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].0 < heap[m].0 { m = l }
            if r < heap.count, heap[r].0 < heap[m].0 { m = r }
            guard m != i else { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
