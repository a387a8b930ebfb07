import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

/// Routing with fixed answers: one route, recipients per escalation step.
struct FixedRouting: AlertRouting {
    var policy: RoutePolicy
    var stepRecipients: [[Recipient]]
    /// A second route that also matches, when set.
    var extraPolicy: RoutePolicy?

    func match(_ facts: AlertFacts) -> [RouteMatch] {
        [RouteMatch(policy: policy, reasons: ["route \(policy.route) matched"])] + (extraPolicy.map { [RouteMatch(policy: $0, reasons: [])] } ?? [])
    }

    func recipients(forStep step: Int, of policy: RoutePolicy, facts: AlertFacts, at: Date) -> RecipientResolution {
        guard step < stepRecipients.count else { return RecipientResolution(chosen: [], skipped: []) }
        return RecipientResolution(chosen: stepRecipients[step].map { RoutedRecipient(recipient: $0, reasons: ["step \(step)"]) }, skipped: [])
    }
}

let t0 = Date(timeIntervalSince1970: 1_795_000_000)
let alice = Recipient(technician: "alice", name: "Alice", channel: .sms, address: "+4915100000001")
let aliceMail = Recipient(technician: "alice", name: "Alice", channel: .email, address: "alice@example.com")
let lead = Recipient(technician: "lena", name: "Lena", channel: .sms, address: "+4915100000002")
let manager = Recipient(technician: "omar", name: "Omar", channel: .email, address: "omar@example.com")

func routing(groupWaitS: Double = 0, repeatS: Double? = nil, sendResolved: Bool = true, escalateAfter: [Double] = []) -> FixedRouting {
    let steps = [EscalationStep(afterS: 0, receivers: ["oncall:north"])] + escalateAfter.map { EscalationStep(afterS: $0, receivers: ["x"]) }
    return FixedRouting(
        policy: RoutePolicy(route: "north", groupWaitS: groupWaitS, repeatIntervalS: repeatS, sendResolved: sendResolved,
                            channels: [.sms, .email], escalation: steps),
        stepRecipients: [[alice, aliceMail], [lead], [manager]])
}

func alert(_ charger: String, rule: String = "disconnected", site: String? = "north", severity: AlertSeverity = .critical,
           state: AlertState = .firing, incident: Int = 1, acknowledged: Bool = false, silenced: Bool = false, at: Date = t0) -> AlertPayload {
    AlertPayload(id: AlertPayload.makeID(charger: charger, connector: 0, rule: rule), incident: incident, rule: rule, kind: rule,
                 severity: severity, state: state, charger: charger, connector: 0, site: site, class: "DC", groups: nil,
                 since: at.addingTimeInterval(-600), firedAt: at, resolvedAt: state == .resolved ? at : nil, at: at,
                 summary: "\(charger) \(rule)", details: AlertDetails(), acknowledged: acknowledged, silenced: silenced)
}

func event(_ kind: AlertEvent.Kind, _ payload: AlertPayload, at: Date = t0) -> AlertEvent {
    AlertEvent(at: at, event: kind, alert: payload)
}

@Suite struct NotifyEngineTests {
    @Test func firingWithoutGroupWaitIsSentAtOnceToEveryStepZeroRecipient() {
        var engine = NotifyEngine()
        let effects = engine.handle(event(.firing, alert("CP-1")), vendor: "ABB", model: "Terra", routing: routing(), at: t0)
        #expect(effects.planned.map(\.content.recipient) == [alice, aliceMail])
        #expect(effects.planned.allSatisfy { $0.content.kind == .firing && $0.content.items.count == 1 })
        #expect(effects.planned.first?.content.items.first?.vendor == "ABB")
        #expect(Set(effects.planned.map(\.key)).count == 2, "one key per recipient and channel")
        #expect(engine.tracks.count == 1)
        #expect(effects.upsertedTracks.count == 1)
    }

    @Test func aRedeliveredFiringPlansTheSameKeysAndKeepsTheTrack() {
        var engine = NotifyEngine()
        let first = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: routing(), at: t0)
        // The outbox refuses a key it already holds; the engine must at least plan nothing new.
        let again = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: routing(), at: t0.addingTimeInterval(5))
        #expect(first.planned.count == 2)
        #expect(again.planned.isEmpty)
        #expect(engine.tracks.count == 1)
    }

    @Test func aSiteOutageWithinGroupWaitIsOneMessagePerRecipient() {
        var engine = NotifyEngine()
        let policy = routing(groupWaitS: 30)
        for index in 0..<40 {
            let effects = engine.handle(event(.firing, alert("CP-\(index)")), vendor: nil, model: nil, routing: policy,
                                        at: t0.addingTimeInterval(Double(index) * 0.5))
            #expect(effects.planned.isEmpty, "nothing is sent inside group_wait")
        }
        #expect(engine.groups.count == 2, "one group per recipient and channel")
        #expect(engine.nextDue == t0.addingTimeInterval(30))
        #expect(engine.tick(routing: policy, at: t0.addingTimeInterval(29.9)).planned.isEmpty)
        let flushed = engine.tick(routing: policy, at: t0.addingTimeInterval(30))
        #expect(flushed.planned.count == 2)
        #expect(flushed.planned.allSatisfy { $0.content.items.count == 40 })
        #expect(flushed.deletedGroups.count == 2)
        #expect(engine.groups.isEmpty)
    }

    @Test func groupKeysDependOnTheGroupsContentSoAReplayedGroupIsRefused() {
        let members = (0..<3).map { index in
            PendingGroup.Member(alertID: "a\(index)", incident: 1, route: "north", step: 0,
                                item: .init(alert: alert("CP-\(index)")), sequence: 0)
        }
        let key1 = NotifyEngine.idempotencyKey(kind: .firing, members: members, recipient: alice)
        let key2 = NotifyEngine.idempotencyKey(kind: .firing, members: members.reversed(), recipient: alice)
        let key3 = NotifyEngine.idempotencyKey(kind: .firing, members: members, recipient: aliceMail)
        let key4 = NotifyEngine.idempotencyKey(kind: .resolved, members: members, recipient: alice)
        #expect(key1 == key2, "order of arrival does not matter")
        #expect(key1 != key3, "channel and address are part of the key")
        #expect(key1 != key4, "the event is part of the key")
        #expect(key1.count == 32)
    }

    @Test func escalationFollowsTheChainWithATestClockUntilAcknowledged() {
        var engine = NotifyEngine()
        let policy = routing(escalateAfter: [15 * 60, 30 * 60])
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        #expect(engine.nextDue == t0.addingTimeInterval(15 * 60))
        #expect(engine.tick(routing: policy, at: t0.addingTimeInterval(14 * 60 + 59)).planned.isEmpty)
        let toLead = engine.tick(routing: policy, at: t0.addingTimeInterval(15 * 60))
        #expect(toLead.planned.map(\.content.recipient) == [lead])
        #expect(toLead.planned.first?.content.kind == .escalation)
        #expect(toLead.planned.first?.content.escalationStep == 1)
        let toManager = engine.tick(routing: policy, at: t0.addingTimeInterval(30 * 60))
        #expect(toManager.planned.map(\.content.recipient) == [manager])
        #expect(engine.nextDue == nil, "the chain is exhausted")
        #expect(engine.tracks.values.first?.step == 2)
    }

    @Test func acknowledgingStopsEscalationAndReminders() {
        var engine = NotifyEngine()
        let policy = routing(repeatS: 3600, escalateAfter: [900])
        let firing = alert("CP-1")
        _ = engine.handle(event(.firing, firing), vendor: nil, model: nil, routing: policy, at: t0)
        var acked = firing
        acked.acknowledged = true
        acked.ackBy = "alice"
        let effects = engine.handle(event(.acknowledged, acked), vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(60))
        #expect(effects.planned.isEmpty)
        #expect(engine.nextDue == nil)
        #expect(engine.tick(routing: policy, at: t0.addingTimeInterval(7200)).planned.isEmpty)
        #expect(engine.tracks.values.first?.acknowledged == true)
    }

    @Test func anAcknowledgementTellsThoseAlreadyPagedButNotWhoAcknowledged() {
        var engine = NotifyEngine()
        let policy = routing(escalateAfter: [900])
        let firing = alert("CP-1")
        _ = engine.handle(event(.firing, firing), vendor: nil, model: nil, routing: policy, at: t0)
        _ = engine.tick(routing: policy, at: t0.addingTimeInterval(900))  // escalated to Lena
        var acked = firing
        acked.acknowledged = true
        acked.ackBy = "alice"
        let effects = engine.handle(AlertEvent(at: t0.addingTimeInterval(1000), event: .acknowledged, alert: acked, by: "alice"),
                                    vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(1000))
        #expect(effects.planned.map(\.content.recipient) == [lead])
        #expect(effects.planned.first?.content.kind == .acknowledged)
        // A second acknowledgement (another technician) does not repeat the notice.
        let again = engine.handle(AlertEvent(at: t0.addingTimeInterval(1100), event: .acknowledged, alert: acked, by: "lena"),
                                  vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(1100))
        #expect(again.planned.isEmpty)
    }

    @Test func routesCanTurnTheAcknowledgementNoticeOff() {
        var engine = NotifyEngine()
        var policy = routing()
        policy.policy.sendAcknowledged = false
        let firing = alert("CP-1")
        _ = engine.handle(event(.firing, firing), vendor: nil, model: nil, routing: policy, at: t0)
        var acked = firing
        acked.acknowledged = true
        let effects = engine.handle(AlertEvent(at: t0, event: .acknowledged, alert: acked, by: "omar"), vendor: nil, model: nil,
                                    routing: policy, at: t0)
        #expect(effects.planned.isEmpty)
    }

    @Test func remindersRepeatUntilResolvedAndEachHasItsOwnKey() {
        var engine = NotifyEngine()
        let policy = routing(repeatS: 3600)
        let first = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        let r1 = engine.tick(routing: policy, at: t0.addingTimeInterval(3600))
        let r2 = engine.tick(routing: policy, at: t0.addingTimeInterval(7200))
        #expect(r1.planned.count == 2 && r1.planned.allSatisfy { $0.content.kind == .reminder })
        #expect(r2.planned.count == 2)
        let keys = (first.planned + r1.planned + r2.planned).map(\.key)
        #expect(Set(keys).count == 6)
        // Down for five intervals: one reminder, then back on the interval.
        let late = engine.tick(routing: policy, at: t0.addingTimeInterval(7200 + 5 * 3600 + 10))
        #expect(late.planned.count == 2)
        #expect(engine.nextDue == t0.addingTimeInterval(7200 + 6 * 3600))
        let resolved = engine.handle(event(.resolved, alert("CP-1", state: .resolved)), vendor: nil, model: nil, routing: policy,
                                     at: t0.addingTimeInterval(30_000))
        #expect(resolved.planned.map(\.content.kind) == [.resolved, .resolved])
        #expect(engine.tracks.isEmpty)
        #expect(engine.nextDue == nil)
    }

    @Test func resolveGoesOnlyToThoseToldOfTheFiringAndOnlyWhenTheRouteSaysSo() {
        var engine = NotifyEngine()
        let policy = routing(escalateAfter: [900])
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        _ = engine.tick(routing: policy, at: t0.addingTimeInterval(900))
        let resolved = engine.handle(event(.resolved, alert("CP-1", state: .resolved)), vendor: nil, model: nil, routing: policy,
                                     at: t0.addingTimeInterval(1000))
        #expect(Set(resolved.planned.map(\.content.recipient)) == [alice, aliceMail, lead])

        var quiet = NotifyEngine()
        let noResolve = routing(sendResolved: false)
        _ = quiet.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: noResolve, at: t0)
        let none = quiet.handle(event(.resolved, alert("CP-1", state: .resolved)), vendor: nil, model: nil, routing: noResolve, at: t0)
        #expect(none.planned.isEmpty)
        #expect(quiet.tracks.isEmpty)
    }

    @Test func anAlertThatResolvesInsideGroupWaitIsNeverNotified() {
        var engine = NotifyEngine()
        let policy = routing(groupWaitS: 30)
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        _ = engine.handle(event(.firing, alert("CP-2")), vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(1))
        let resolved = engine.handle(event(.resolved, alert("CP-1", state: .resolved)), vendor: nil, model: nil, routing: policy,
                                     at: t0.addingTimeInterval(10))
        #expect(resolved.planned.isEmpty, "nobody was told of the firing, so nobody hears of the resolve")
        let flushed = engine.tick(routing: policy, at: t0.addingTimeInterval(30))
        #expect(flushed.planned.count == 2)
        #expect(flushed.planned.allSatisfy { $0.content.items.map(\.alert.charger) == ["CP-2"] })
    }

    @Test func silencedAlertsWaitAndAreNotifiedWhenTheSilenceEnds() {
        var engine = NotifyEngine()
        let policy = routing(escalateAfter: [900])
        let silenced = alert("CP-1", silenced: true)
        let firing = engine.handle(event(.firing, silenced), vendor: nil, model: nil, routing: policy, at: t0)
        #expect(firing.planned.isEmpty)
        #expect(engine.tick(routing: policy, at: t0.addingTimeInterval(2000)).planned.isEmpty, "no escalation while silenced")
        let lifted = engine.handle(event(.unsilenced, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(3000))
        #expect(lifted.planned.map(\.content.recipient) == [alice, aliceMail])
        #expect(engine.nextDue == t0.addingTimeInterval(3900), "escalation counts from the end of the silence")
    }

    @Test func silencingAPendingGroupMemberDropsIt() {
        var engine = NotifyEngine()
        let policy = routing(groupWaitS: 30)
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        _ = engine.handle(event(.silenced, alert("CP-1", silenced: true)), vendor: nil, model: nil, routing: policy, at: t0.addingTimeInterval(5))
        #expect(engine.groups.isEmpty)
        #expect(engine.tick(routing: policy, at: t0.addingTimeInterval(60)).planned.isEmpty)
        #expect(engine.tracks.values.first?.notified.isEmpty == true)
    }

    @Test func twoRoutesMatchingTheSameAlertTellEachRecipientOnce() {
        var engine = NotifyEngine()
        var policy = routing(groupWaitS: 10)
        policy.extraPolicy = RoutePolicy(route: "all-critical", groupWaitS: 10, repeatIntervalS: nil, sendResolved: true, channels: [.sms],
                                         escalation: [EscalationStep(afterS: 0, receivers: ["x"])])
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        #expect(engine.tracks.count == 2)
        let flushed = engine.tick(routing: policy, at: t0.addingTimeInterval(10))
        #expect(flushed.planned.count == 2)
        #expect(flushed.planned.allSatisfy { $0.content.items.count == 1 && $0.content.route == "all-critical,north" })
    }

    @Test func reconcileFollowsAFiringAlertWhoseEventWasNeverSeenButNotOneAlreadyHandled() {
        var engine = NotifyEngine()
        let firing = alert("CP-1")
        let fresh = engine.reconcile(active: firing, vendor: nil, model: nil, routing: routing(), alreadyHandled: false, at: t0)
        #expect(fresh.planned.count == 2)
        let again = engine.reconcile(active: firing, vendor: nil, model: nil, routing: routing(), alreadyHandled: false, at: t0)
        #expect(again.planned.isEmpty, "known track")

        var other = NotifyEngine()
        #expect(other.reconcile(active: firing, vendor: nil, model: nil, routing: routing(), alreadyHandled: true, at: t0).planned.isEmpty)
        #expect(other.reconcile(active: alert("CP-2", acknowledged: true), vendor: nil, model: nil, routing: routing(),
                                alreadyHandled: false, at: t0).planned.isEmpty)
    }

    @Test func aRestoredEngineContinuesWhereItStopped() {
        var engine = NotifyEngine()
        let policy = routing(groupWaitS: 30, escalateAfter: [900])
        _ = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: policy, at: t0)
        var restored = NotifyEngine(tracks: Array(engine.tracks.values), groups: Array(engine.groups.values))
        #expect(restored.nextDue == t0.addingTimeInterval(30))
        #expect(restored.tick(routing: policy, at: t0.addingTimeInterval(30)).planned.count == 2)
        // Escalations are grouped too: a site-wide outage escalates as one message.
        #expect(restored.tick(routing: policy, at: t0.addingTimeInterval(900)).planned.isEmpty)
        #expect(restored.tick(routing: policy, at: t0.addingTimeInterval(930)).planned.map(\.content.recipient) == [lead])
    }

    @Test func largeGroupsListTheFirstAlertsOnly() {
        var engine = NotifyEngine()
        engine.maxItemsPerMessage = 5
        let policy = routing(groupWaitS: 30)
        for index in 0..<12 {
            _ = engine.handle(event(.firing, alert("CP-\(index)")), vendor: nil, model: nil, routing: policy, at: t0)
        }
        let flushed = engine.tick(routing: policy, at: t0.addingTimeInterval(30))
        #expect(flushed.planned.allSatisfy { $0.content.items.count == 5 })
        #expect(flushed.planned.allSatisfy { $0.reasons.contains("grouped: 12 alerts for site north") })
    }
}
