import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct NotifyStoreTests {
    func makeStore() throws -> (NotifyStore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-store-\(UUID().uuidString)").path
        return (try NotifyStore(directory: directory), directory)
    }

    func firingEffects(_ engine: inout NotifyEngine, charger: String = "CP-1", at: Date = t0) -> EngineEffects {
        engine.handle(event(.firing, alert(charger)), vendor: nil, model: nil, routing: routing(escalateAfter: [900]), at: at)
    }

    func render(_ effects: EngineEffects) -> [String: Result<RenderedMessage, TemplateError>] {
        Dictionary(uniqueKeysWithValues: effects.planned.map { ($0.key, .success(RenderedMessage(subject: "s", text: "t"))) })
    }

    @Test func aKeyAlreadyInTheOutboxIsNeverQueuedTwice() throws {
        let (store, _) = try makeStore()
        var engine = NotifyEngine()
        let effects = firingEffects(&engine)
        let first = try store.apply(effects, rendered: render(effects), handledEvent: "e1", at: t0)
        let second = try store.apply(effects, rendered: render(effects), handledEvent: "e1", at: t0)
        #expect(first.count == 2)
        #expect(second.isEmpty)
        #expect(try store.isHandled("e1"))
        #expect(try store.counts().pending == 2)
    }

    @Test func engineStateSurvivesAReopen() throws {
        let (store, directory) = try makeStore()
        var engine = NotifyEngine()
        let effects = engine.handle(event(.firing, alert("CP-1")), vendor: nil, model: nil, routing: routing(groupWaitS: 30), at: t0)
        _ = try store.apply(effects, rendered: [:], handledEvent: nil, at: t0)
        let reopened = try NotifyStore(directory: directory)
        #expect(try reopened.loadTracks().map(\.alertID) == engine.tracks.values.map(\.alertID))
        #expect(try reopened.loadGroups().count == 2)
        var restored = NotifyEngine(tracks: try reopened.loadTracks(), groups: try reopened.loadGroups())
        let flushed = restored.tick(routing: routing(groupWaitS: 30), at: t0.addingTimeInterval(30))
        _ = try reopened.apply(flushed, rendered: render(flushed), handledEvent: nil, at: t0.addingTimeInterval(30))
        #expect(try reopened.loadGroups().isEmpty)
        #expect(try reopened.counts().pending == 2)
    }

    @Test func aTemplateFailureIsRecordedAsAPermanentFailure() throws {
        let (store, _) = try makeStore()
        var engine = NotifyEngine()
        let effects = firingEffects(&engine)
        var rendered = render(effects)
        rendered[effects.planned[0].key] = .failure(TemplateError(reason: "unclosed section"))
        let inserted = try store.apply(effects, rendered: rendered, handledEvent: nil, at: t0)
        #expect(inserted.map(\.outboxState).sorted { $0.rawValue < $1.rawValue } == [.failed, .queued])
        #expect(inserted.first { $0.outboxState == .failed }?.lastError == "template: unclosed section")
    }

    @Test func claimRetrySendAndInDoubtRecovery() throws {
        let (store, directory) = try makeStore()
        var engine = NotifyEngine()
        let effects = firingEffects(&engine)
        _ = try store.apply(effects, rendered: render(effects), handledEvent: nil, at: t0)
        let claimed = try store.claimDue(at: t0, limit: 10)
        #expect(claimed.count == 2)
        #expect(claimed.allSatisfy { $0.attempts == 1 && $0.outboxState == .sending })
        #expect(try store.claimDue(at: t0, limit: 10).isEmpty, "claimed entries are not handed out twice")

        try store.markRetry(claimed[0].key, reason: "421 try later", next: t0.addingTimeInterval(5), at: t0)
        #expect(try store.nextAttemptDue() == t0.addingTimeInterval(5))
        #expect(try store.claimDue(at: t0.addingTimeInterval(4), limit: 10).isEmpty)
        let retried = try store.claimDue(at: t0.addingTimeInterval(5), limit: 10)
        #expect(retried.map(\.key) == [claimed[0].key])
        #expect(retried.first?.attempts == 2)
        try store.markSent(claimed[0].key, detail: "250 ok", at: t0.addingTimeInterval(6))

        // claimed[1] is still `sending`: the daemon "died" mid-send.
        let reopened = try NotifyStore(directory: directory)
        let inDoubt = try reopened.recoverInDoubt(at: t0.addingTimeInterval(100))
        #expect(inDoubt.map(\.key) == [claimed[1].key])
        let again = try reopened.claimDue(at: t0.addingTimeInterval(100), limit: 10)
        #expect(again.map(\.key) == [claimed[1].key], "same key, so the receiver can deduplicate")
        try reopened.markFailed(claimed[1].key, reason: "550 no such user", at: t0.addingTimeInterval(101))

        let attempts = try reopened.attempts(claimed[1].key).map(\.result)
        #expect(attempts == ["in-doubt", "permanent"])
        #expect(try reopened.attempts(claimed[0].key).map(\.result) == ["temporary", "sent"])
        let counts = try reopened.counts()
        #expect(counts.sent == 1 && counts.failed == 1 && counts.pending == 0)
    }

    @Test func historyFiltersByAlertChargerTechnicianChannelAndState() throws {
        let (store, _) = try makeStore()
        var engine = NotifyEngine()
        let one = firingEffects(&engine, charger: "CP-1")
        let two = firingEffects(&engine, charger: "CP-2", at: t0.addingTimeInterval(10))
        _ = try store.apply(one, rendered: render(one), handledEvent: nil, at: t0)
        _ = try store.apply(two, rendered: render(two), handledEvent: nil, at: t0.addingTimeInterval(10))
        let alertID = AlertPayload.makeID(charger: "CP-2", connector: 0, rule: "disconnected")
        #expect(try store.history(HistoryFilter(alert: alertID)).count == 2)
        #expect(try store.history(HistoryFilter(charger: "CP-1")).allSatisfy { $0.chargerIDs == ["CP-1"] })
        #expect(try store.history(HistoryFilter(channel: "sms")).count == 2)
        #expect(try store.history(HistoryFilter(technician: "alice", limit: 3)).count == 3)
        #expect(try store.history(HistoryFilter(state: .sent)).isEmpty)
        #expect(try store.history(HistoryFilter(since: t0.addingTimeInterval(5))).count == 2)
        let last = try store.history(HistoryFilter(limit: 1))
        #expect(last.first?.chargerIDs == ["CP-2"], "the newest, listed oldest first")
    }

    @Test func publishedEventsMaskTheAddress() throws {
        let (store, _) = try makeStore()
        var engine = NotifyEngine()
        let effects = firingEffects(&engine)
        let inserted = try store.apply(effects, rendered: render(effects), handledEvent: nil, at: t0)
        let sms = try #require(inserted.first { $0.channel == "sms" })
        let event = sms.event(.queued, at: t0)
        #expect(event.address == "+49151*****001")
        #expect(event.technician == "alice")
        #expect(event.alerts == [AlertPayload.makeID(charger: "CP-1", connector: 0, rule: "disconnected")])
        #expect(NotificationEvent.mask("alice@example.com") == "a***@example.com")
    }
}
