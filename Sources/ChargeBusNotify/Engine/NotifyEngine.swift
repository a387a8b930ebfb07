import ChargeBusContract
import Crypto
import Foundation

/// One alert incident followed on one route: who was told, which escalation step it reached, and
/// when the next escalation and reminder are due. Gone once the alert resolves.
public struct AlertTrack: Codable, Sendable, Hashable {
    public var alertID: String
    public var incident: Int
    public var route: String
    /// The latest alert payload seen (state, acknowledgement, silence).
    public var alert: AlertPayload
    public var vendor: String?
    public var model: String?
    /// When the daemon started following it: escalation and reminders count from here.
    public var startedAt: Date
    /// The escalation step reached (0: the route's receivers).
    public var step: Int
    /// When each escalation step is due, by step index (entries for steps ≥ 1), relative to `startedAt`.
    public var escalationAfterS: [Double]
    public var repeatIntervalS: Double?
    public var groupWaitS: Double
    public var sendResolved: Bool
    /// Optional so that tracks stored before the setting existed still load (nil: true).
    public var sendAcknowledged: Bool?
    public var nextEscalationAt: Date?
    public var nextReminderAt: Date?
    /// How many reminders went out: makes each reminder's idempotency key distinct.
    public var reminders: Int
    /// Everyone who was (or is about to be) told of the firing, for the resolve message.
    public var notified: [Recipient]
    /// True while silenced: nothing is sent, nothing escalates.
    public var paused: Bool
    public var acknowledged: Bool

    var key: TrackKey { TrackKey(alertID: alertID, incident: incident, route: route) }
    var facts: AlertFacts { AlertFacts(alert: alert, vendor: vendor, model: model) }
}

public struct TrackKey: Codable, Sendable, Hashable, Comparable {
    public var alertID: String
    public var incident: Int
    public var route: String

    public var text: String { "\(alertID)#\(incident)@\(route)" }

    public static func < (lhs: TrackKey, rhs: TrackKey) -> Bool { lhs.text < rhs.text }
}

/// Alerts waiting out `group_wait` for one recipient: sent as one message when `dueAt` passes.
public struct PendingGroup: Codable, Sendable, Hashable {
    public struct Member: Codable, Sendable, Hashable {
        public var alertID: String
        public var incident: Int
        public var route: String
        public var step: Int
        public var item: NotificationContent.Item
        /// Distinguishes reminders of the same alert in the idempotency key.
        public var sequence: Int
    }

    public var key: GroupKey
    public var recipient: Recipient
    public var site: String?
    public var kind: NotificationKind
    public var openedAt: Date
    public var dueAt: Date
    public var members: [Member]
}

/// Alerts are grouped per site, recipient and kind of message: when a whole site loses power,
/// each technician gets one message, whichever routes matched.
public struct GroupKey: Codable, Sendable, Hashable, Comparable {
    public var site: String
    public var recipient: String
    public var kind: NotificationKind

    public var text: String { "\(site)|\(recipient)|\(kind.rawValue)" }

    public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool { lhs.text < rhs.text }
}

/// A notification the engine decided to send: written to the outbox before anything else happens.
public struct PlannedNotification: Sendable, Hashable {
    /// The idempotency key: a digest of the alerts and events, the recipient and the channel.
    public var key: String
    public var content: NotificationContent
    /// Why these recipients (for the history).
    public var reasons: [String]
}

/// What one engine step changed: the service writes all of it in one SQLite transaction, then
/// sends what was planned.
public struct EngineEffects: Sendable {
    public var planned: [PlannedNotification] = []
    public var upsertedTracks: [TrackKey: AlertTrack] = [:]
    public var deletedTracks: Set<TrackKey> = []
    public var upsertedGroups: [GroupKey: PendingGroup] = [:]
    public var deletedGroups: Set<GroupKey> = []
    /// Decisions worth a log line: recipients skipped by preferences, routes that vanished.
    public var notes: [String] = []

    public var isEmpty: Bool {
        planned.isEmpty && upsertedTracks.isEmpty && deletedTracks.isEmpty && upsertedGroups.isEmpty && deletedGroups.isEmpty
    }
}

/// The notify daemon's decisions, as a plain state machine: alert events and clock ticks in,
/// notifications to send and state changes out. No I/O, no clock of its own.
///
/// - A firing alert is routed; each matched route becomes a track. Its step-0 recipients get a
///   `firing` message, through the recipient's group when the route has a `group_wait`.
/// - Every `escalation` step that falls due while nobody acknowledged goes to that step's
///   recipients; every `repeat_interval` the current step's recipients get a `reminder`.
/// - Acknowledging stops escalation and reminders, and drops the alert from unsent groups.
/// - A silence pauses the track; lifting it sends the firing message if nobody got it yet.
/// - A resolve goes to everyone told of the firing, when the route sends resolves; an alert that
///   resolves before its group was sent is dropped from the group and never notified at all.
public struct NotifyEngine: Sendable {
    public private(set) var tracks: [TrackKey: AlertTrack] = [:]
    public private(set) var groups: [GroupKey: PendingGroup] = [:]
    /// The tracks of each alert incident (one per matched route), so that an alert event finds its
    /// tracks without scanning every followed alert: a fleet-wide outage follows thousands.
    private var trackKeysByIncident: [String: Set<TrackKey>] = [:]
    /// Messages listing more alerts are summarised: the first alerts are listed, the count is total.
    public var maxItemsPerMessage = 200

    public init(tracks: [AlertTrack] = [], groups: [PendingGroup] = []) {
        for track in tracks {
            self.tracks[track.key] = track
            trackKeysByIncident[Self.incidentKey(track.alertID, track.incident), default: []].insert(track.key)
        }
        for group in groups { self.groups[group.key] = group }
    }

    // MARK: Inputs

    /// One event of `{root}/alerts/events`.
    public mutating func handle(_ event: AlertEvent, vendor: String?, model: String?, routing: any AlertRouting, at now: Date) -> EngineEffects {
        var effects = EngineEffects()
        switch event.event {
        case .firing:
            startFollowing(event.alert, vendor: vendor, model: model, routing: routing, at: now, effects: &effects)
        case .resolved:
            resolve(event.alert, at: now, effects: &effects)
        case .acknowledged:
            acknowledge(event.alert, by: event.by ?? event.alert.ackBy, at: now, effects: &effects)
        case .silenced:
            pause(event.alert, effects: &effects)
        case .unsilenced:
            unpause(event.alert, vendor: vendor, model: model, routing: routing, at: now, effects: &effects)
        }
        return effects
    }

    /// A retained `{root}/alerts/active/…` payload: reconciles with what the events said. An alert
    /// firing with no track (its firing event was never seen: the daemon is new, or its session
    /// expired) is followed and notified; an acknowledged one stops escalating.
    public mutating func reconcile(active alert: AlertPayload, vendor: String?, model: String?, routing: any AlertRouting,
                                   alreadyHandled: Bool, at now: Date) -> EngineEffects {
        var effects = EngineEffects()
        guard alert.state == .firing else { return effects }
        let known = !trackKeys(of: alert).isEmpty
        if !known {
            // The firing event was processed before (and its track has since been closed by an ack
            // that this payload predates, say): nothing new to tell anyone.
            guard !alreadyHandled, !alert.acknowledged else { return effects }
            startFollowing(alert, vendor: vendor, model: model, routing: routing, at: now, effects: &effects)
            return effects
        }
        if alert.acknowledged {
            acknowledge(alert, by: alert.ackBy, at: now, effects: &effects)
        }
        return effects
    }

    /// Sends what fell due: groups whose `group_wait` passed, escalations and reminders.
    public mutating func tick(routing: any AlertRouting, at now: Date) -> EngineEffects {
        var effects = EngineEffects()
        for key in tracks.keys.sorted() {
            guard var track = tracks[key], !track.paused, !track.acknowledged, track.alert.state == .firing else { continue }
            var changed = false
            while let due = track.nextEscalationAt, due <= now {
                track.step += 1
                changed = true
                deliver(track: &track, step: track.step, kind: .escalation, sequence: 0, routing: routing, at: now, effects: &effects)
                track.nextEscalationAt = escalationDue(track, afterStep: track.step)
                // A reminder right after an escalation would repeat it: restart the interval.
                if let interval = track.repeatIntervalS { track.nextReminderAt = now.addingTimeInterval(interval) }
            }
            if let due = track.nextReminderAt, due <= now, let interval = track.repeatIntervalS {
                track.reminders += 1
                changed = true
                deliver(track: &track, step: track.step, kind: .reminder, sequence: track.reminders, routing: routing, at: now, effects: &effects)
                var next = due.addingTimeInterval(interval)
                // After a long stop, one reminder, not one per missed interval.
                while next <= now { next = next.addingTimeInterval(interval) }
                track.nextReminderAt = next
            }
            if changed { store(track, &effects) }
        }
        for key in groups.keys.sorted() {
            guard let group = groups[key], group.dueAt <= now else { continue }
            groups[key] = nil
            effects.deletedGroups.insert(key)
            effects.upsertedGroups[key] = nil
            if let planned = plan(group, at: now) { effects.planned.append(planned) }
        }
        return effects
    }

    /// When the next tick has something to do; nil when nothing is scheduled.
    public var nextDue: Date? {
        var next: Date?
        func consider(_ date: Date?) {
            guard let date else { return }
            if next == nil || date < next! { next = date }
        }
        for track in tracks.values where !track.paused && !track.acknowledged {
            consider(track.nextEscalationAt)
            consider(track.nextReminderAt)
        }
        for group in groups.values { consider(group.dueAt) }
        return next
    }

    // MARK: Lifecycle

    private mutating func startFollowing(_ alert: AlertPayload, vendor: String?, model: String?, routing: any AlertRouting,
                                         at now: Date, effects: inout EngineEffects) {
        let facts = AlertFacts(alert: alert, vendor: vendor, model: model)
        for match in routing.match(facts) {
            let policy = match.policy
            let key = TrackKey(alertID: alert.id, incident: alert.incident, route: policy.route)
            if var existing = tracks[key] {
                // A redelivered firing event: keep the track, refresh the payload.
                existing.alert = alert
                store(existing, &effects)
                continue
            }
            var track = AlertTrack(
                alertID: alert.id, incident: alert.incident, route: policy.route, alert: alert, vendor: vendor, model: model,
                startedAt: now, step: 0, escalationAfterS: policy.escalation.map(\.afterS), repeatIntervalS: policy.repeatIntervalS,
                groupWaitS: policy.groupWaitS, sendResolved: policy.sendResolved, sendAcknowledged: policy.sendAcknowledged, nextEscalationAt: nil, nextReminderAt: nil, reminders: 0, notified: [],
                paused: alert.silenced, acknowledged: alert.acknowledged)
            if !track.paused && !track.acknowledged {
                deliver(track: &track, step: 0, kind: .firing, sequence: 0, routing: routing, at: now, effects: &effects,
                        groupWaitS: policy.groupWaitS, routeReasons: match.reasons)
                schedule(&track, from: now)
            }
            store(track, &effects)
        }
    }

    private mutating func resolve(_ alert: AlertPayload, at now: Date, effects: inout EngineEffects) {
        let keys = trackKeys(of: alert)
        guard !keys.isEmpty else { return }
        // Recipients whose firing message was still waiting in a group never heard of the alert:
        // they must not get a resolve either.
        let unsent = dropFromGroups(alertID: alert.id, incident: alert.incident, kinds: [.firing, .reminder, .escalation], effects: &effects)
        for key in keys {
            guard let track = tracks[key] else { continue }
            let told = track.notified.filter { !unsent.contains($0) }
            if track.sendResolved && !told.isEmpty {
                let item = NotificationContent.Item(alert: alert, vendor: track.vendor, model: track.model)
                for recipient in told {
                    enqueue(recipient: recipient, site: alert.site, kind: .resolved, member: .init(
                        alertID: alert.id, incident: alert.incident, route: track.route, step: track.step, item: item, sequence: 0),
                            groupWaitS: track.groupWaitS, at: now, effects: &effects)
                }
            }
            tracks[key] = nil
            trackKeysByIncident[Self.incidentKey(key.alertID, key.incident)]?.remove(key)
            if trackKeysByIncident[Self.incidentKey(key.alertID, key.incident)]?.isEmpty == true {
                trackKeysByIncident[Self.incidentKey(key.alertID, key.incident)] = nil
            }
            effects.upsertedTracks[key] = nil
            effects.deletedTracks.insert(key)
        }
    }

    private mutating func acknowledge(_ alert: AlertPayload, by: String?, at now: Date, effects: inout EngineEffects) {
        let keys = trackKeys(of: alert)
        guard !keys.isEmpty else { return }
        // Whoever was still waiting in a group was never told, and needs no stand-down either.
        let unsent = dropFromGroups(alertID: alert.id, incident: alert.incident, kinds: [.firing, .reminder, .escalation], effects: &effects)
        for key in keys {
            guard var track = tracks[key] else { continue }
            let wasAcknowledged = track.acknowledged
            track.alert = alert
            track.acknowledged = true
            track.nextEscalationAt = nil
            track.nextReminderAt = nil
            track.notified.removeAll { unsent.contains($0) }
            if !wasAcknowledged && track.sendAcknowledged ?? true {
                let item = NotificationContent.Item(alert: alert, vendor: track.vendor, model: track.model)
                for recipient in track.notified where recipient.technician == nil || recipient.technician != by {
                    enqueue(recipient: recipient, site: alert.site, kind: .acknowledged, member: .init(
                        alertID: alert.id, incident: alert.incident, route: track.route, step: track.step, item: item, sequence: 0),
                            groupWaitS: track.groupWaitS, at: now, effects: &effects)
                }
            }
            store(track, &effects)
        }
    }

    private mutating func pause(_ alert: AlertPayload, effects: inout EngineEffects) {
        let keys = trackKeys(of: alert)
        guard !keys.isEmpty else { return }
        // Whoever was still waiting in a group was never told.
        let unsent = dropFromGroups(alertID: alert.id, incident: alert.incident, kinds: [.firing, .reminder, .escalation], effects: &effects)
        for key in keys {
            guard var track = tracks[key] else { continue }
            track.alert = alert
            track.paused = true
            track.notified.removeAll { unsent.contains($0) }
            store(track, &effects)
        }
    }

    private mutating func unpause(_ alert: AlertPayload, vendor: String?, model: String?, routing: any AlertRouting, at now: Date,
                                  effects: inout EngineEffects) {
        guard alert.state == .firing, !alert.silenced else { return }
        let keys = trackKeys(of: alert)
        if keys.isEmpty {
            startFollowing(alert, vendor: vendor, model: model, routing: routing, at: now, effects: &effects)
            return
        }
        for key in keys {
            guard var track = tracks[key], track.paused else { continue }
            track.alert = alert
            track.paused = false
            guard !track.acknowledged else {
                store(track, &effects)
                continue
            }
            if track.notified.isEmpty {
                deliver(track: &track, step: 0, kind: .firing, sequence: 0, routing: routing, at: now, effects: &effects,
                        groupWaitS: track.groupWaitS)
                track.step = 0
            }
            // Escalation counts from the end of the silence: the silence was a decision not to be told.
            track.startedAt = now
            schedule(&track, from: now)
            store(track, &effects)
        }
    }

    // MARK: Delivery

    private func schedule(_ track: inout AlertTrack, from now: Date) {
        track.nextEscalationAt = escalationDue(track, afterStep: track.step)
        track.nextReminderAt = track.repeatIntervalS.map { now.addingTimeInterval($0) }
    }

    private func escalationDue(_ track: AlertTrack, afterStep step: Int) -> Date? {
        let next = step + 1
        guard next < track.escalationAfterS.count else { return nil }
        return track.startedAt.addingTimeInterval(track.escalationAfterS[next])
    }

    private mutating func deliver(track: inout AlertTrack, step: Int, kind: NotificationKind, sequence: Int, routing: any AlertRouting,
                                  at now: Date, effects: inout EngineEffects, groupWaitS: Double? = nil, routeReasons: [String] = []) {
        let facts = track.facts
        guard let policy = routing.match(facts).first(where: { $0.policy.route == track.route })?.policy else {
            effects.notes.append("alert \(track.alertID): route \(track.route) no longer matches after a config reload; \(kind.rawValue) not sent")
            return
        }
        let resolution = routing.recipients(forStep: step, of: policy, facts: facts, at: now)
        for skipped in resolution.skipped {
            effects.notes.append("alert \(track.alertID) step \(step): \(skipped.name)\(skipped.channel.map { " (\($0.rawValue))" } ?? ""): \(skipped.reason)")
        }
        if resolution.chosen.isEmpty {
            effects.notes.append("alert \(track.alertID) route \(track.route) step \(step): nobody to notify")
        }
        let item = NotificationContent.Item(alert: track.alert, vendor: track.vendor, model: track.model)
        for chosen in resolution.chosen {
            let member = PendingGroup.Member(alertID: track.alertID, incident: track.incident, route: track.route, step: step, item: item,
                                             sequence: sequence)
            enqueue(recipient: chosen.recipient, site: track.alert.site, kind: kind, member: member,
                    groupWaitS: groupWaitS ?? policy.groupWaitS, at: now, effects: &effects, reasons: routeReasons + chosen.reasons)
            if !track.notified.contains(chosen.recipient) { track.notified.append(chosen.recipient) }
        }
    }

    private mutating func enqueue(recipient: Recipient, site: String?, kind: NotificationKind, member: PendingGroup.Member,
                                  groupWaitS: Double, at now: Date, effects: inout EngineEffects, reasons: [String] = []) {
        let key = GroupKey(site: site ?? "-", recipient: recipient.key, kind: kind)
        if var group = groups[key] {
            // The same alert through a second route is one line, not two (see `plan`), but the
            // member stays so that the message names both routes.
            if !group.members.contains(where: { $0.alertID == member.alertID && $0.incident == member.incident && $0.route == member.route }) {
                group.members.append(member)
            }
            group.dueAt = min(group.dueAt, now.addingTimeInterval(groupWaitS))
            groups[key] = group
            effects.upsertedGroups[key] = group
            return
        }
        let group = PendingGroup(key: key, recipient: recipient, site: site, kind: kind, openedAt: now,
                                 dueAt: now.addingTimeInterval(groupWaitS), members: [member])
        if groupWaitS <= 0 {
            if let planned = plan(group, at: now, reasons: reasons) { effects.planned.append(planned) }
            return
        }
        groups[key] = group
        effects.upsertedGroups[key] = group
        effects.deletedGroups.remove(key)
    }

    /// Removes an alert from unsent groups; returns the recipients who lost it.
    private mutating func dropFromGroups(alertID: String, incident: Int, kinds: Set<NotificationKind>, effects: inout EngineEffects) -> [Recipient] {
        var lost: [Recipient] = []
        for key in groups.keys.sorted() where kinds.contains(key.kind) {
            guard var group = groups[key] else { continue }
            let before = group.members.count
            group.members.removeAll { $0.alertID == alertID && $0.incident == incident }
            guard group.members.count != before else { continue }
            if group.kind == .firing { lost.append(group.recipient) }
            if group.members.isEmpty {
                groups[key] = nil
                effects.upsertedGroups[key] = nil
                effects.deletedGroups.insert(key)
            } else {
                groups[key] = group
                effects.upsertedGroups[key] = group
            }
        }
        return lost
    }

    private func plan(_ group: PendingGroup, at now: Date, reasons: [String] = []) -> PlannedNotification? {
        guard !group.members.isEmpty else { return nil }
        let routes = Array(Set(group.members.map(\.route))).sorted().joined(separator: ",")
        var seen = Set<String>()
        let unique = group.members.filter { seen.insert("\($0.alertID)#\($0.incident)").inserted }
        let content = NotificationContent(
            kind: group.kind, route: routes, site: group.site, recipient: group.recipient,
            escalationStep: group.members.map(\.step).max() ?? 0,
            items: Array(unique.prefix(maxItemsPerMessage).map(\.item)), totalItems: unique.count, at: now)
        let key = Self.idempotencyKey(kind: group.kind, members: unique, recipient: group.recipient)
        var why = reasons
        if unique.count > 1 { why.append("grouped: \(unique.count) alerts for site \(group.site ?? "-")") }
        return PlannedNotification(key: key, content: content, reasons: why)
    }

    /// The idempotency key of a send: (alerts and their events, recipient, channel). A redelivered
    /// alert event plans the same key again, and the outbox refuses a key it already holds.
    public static func idempotencyKey(kind: NotificationKind, members: [PendingGroup.Member], recipient: Recipient) -> String {
        var text = "\(kind.rawValue)\n\(recipient.channel.rawValue)\n\(recipient.address)\n"
        for member in members.sorted(by: { ($0.alertID, $0.incident, $0.step, $0.sequence) < ($1.alertID, $1.incident, $1.step, $1.sequence) }) {
            text += "\(member.alertID)#\(member.incident)/\(member.step)/\(member.sequence)\n"
        }
        let digest = SHA256.hash(data: Data(text.utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    private func trackKeys(of alert: AlertPayload) -> [TrackKey] {
        (trackKeysByIncident[Self.incidentKey(alert.id, alert.incident)] ?? []).sorted()
    }

    private static func incidentKey(_ alertID: String, _ incident: Int) -> String { "\(alertID)#\(incident)" }

    private mutating func store(_ track: AlertTrack, _ effects: inout EngineEffects) {
        tracks[track.key] = track
        trackKeysByIncident[Self.incidentKey(track.alertID, track.incident), default: []].insert(track.key)
        effects.upsertedTracks[track.key] = track
        effects.deletedTracks.remove(track.key)
    }
}
