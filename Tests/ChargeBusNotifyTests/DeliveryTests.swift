import ChargeBusContract
import ChargeBusMQTT
import Foundation
import Synchronization
import Testing
@testable import ChargeBusNotify

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A channel that answers from a script, and remembers what it was asked to send.
final class ScriptedChannel: NotificationChannel, Sendable {
    let kind: ChannelKind
    private let state = Mutex<(script: [Result<DeliveryReceipt, DeliveryFailure>], sent: [OutgoingNotification])>(([], []))

    init(kind: ChannelKind) { self.kind = kind }

    func answer(_ outcomes: Result<DeliveryReceipt, DeliveryFailure>...) { state.withLock { $0.script += outcomes } }
    var sent: [OutgoingNotification] { state.withLock { $0.sent } }

    func send(_ notification: OutgoingNotification) async throws(DeliveryFailure) -> DeliveryReceipt {
        let outcome = state.withLock { state -> Result<DeliveryReceipt, DeliveryFailure> in
            state.sent.append(notification)
            return state.script.isEmpty ? .success(DeliveryReceipt(detail: "ok")) : state.script.removeFirst()
        }
        return try outcome.get()
    }
}

struct ScriptedChannels: ChannelProviding {
    let email = ScriptedChannel(kind: .email)
    let sms = ScriptedChannel(kind: .sms)
    func channel(for kind: ChannelKind) -> (any NotificationChannel)? {
        switch kind {
        case .email: email
        case .sms: sms
        case .webhook: nil
        }
    }
}

/// The daemon's core without the network: alert events in, the outbox, scripted channels, and the
/// delivery lifecycle on the bus, with a test clock.
@Suite struct DeliveryTests {
    let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))
    let channels = ScriptedChannels()
    let core: NotifyCore
    let published: AsyncStream<BusMessage>
    let directory: String

    init() throws {
        let text = NotifyFixtures.yaml(routes: """
              routes:
                receivers: [technician:alice]
                channels: [email, sms]
                group_wait: 0s
                repeat_interval: never
              retry:
                initial_backoff: 10s
                max_backoff: 60s
                deadline: 5m
            """)
        let config = try NotifyFixtures.parse(text)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-delivery-\(UUID().uuidString)").path
        let settings = NotifySettings(mqtt: try MQTTConfiguration(url: "mqtt://127.0.0.1:1", clientID: "test"), topics: Topics(root: "ev"),
                                      dataDirectory: directory, configFile: "notify.yaml", environment: NotifyFixtures.environment)
        let (stream, continuation) = AsyncStream.makeStream(of: BusMessage.self)
        published = stream
        let channels = self.channels
        let clock = self.clock
        core = try NotifyCore(settings: settings, config: config, channels: channels, store: try NotifyStore(directory: directory),
                              logger: .init(label: "test"), bus: continuation, now: { clock.now }, makeChannels: { _ in channels })
    }

    func fire(_ charger: String, severity: AlertSeverity = .critical) async throws {
        let payload = alert(charger, site: "depot-north", severity: severity, at: clock.now)
        let event = AlertEvent(at: clock.now, event: .firing, alert: payload)
        let bytes = Array(try BusCoding.makeEncoder().encode(event))
        await core.handleAlertEvent(MQTTMessage(topic: "ev/alerts/events", payload: bytes, qos: .atLeastOnce, retain: false))
    }

    /// Claims what is due now and sends it, like one round of the worker.
    func sendDue() async -> Int {
        let batch = await core.claimDue(limit: 100)
        for entry in batch { await core.deliver(entry) }
        return batch.count
    }

    func events() async -> [NotificationEvent] {
        await core.finishBus()
        var out: [NotificationEvent] = []
        for await message in published where message.topic == "ev/notifications/events" {
            if let event = try? BusCoding.decode(NotificationEvent.self, from: message.payload) { out.append(event) }
        }
        return out
    }

    @Test func aFiringIsQueuedThenSentOnEveryChannel() async throws {
        try await fire("CP-1")
        #expect(await sendDue() == 2)
        #expect(channels.email.sent.count == 1 && channels.sms.sent.count == 1)
        #expect(channels.sms.sent.first?.recipient.address == "+4915112345671")
        #expect(channels.email.sent.first?.message.subject?.contains("CP-1") == true)
        let lifecycle = await events().map { "\($0.channel):\($0.event.rawValue)" }
        #expect(lifecycle.sorted() == ["email:queued", "email:sent", "sms:queued", "sms:sent"])
    }

    @Test func aRedeliveredEventSendsNothingTwice() async throws {
        try await fire("CP-1")
        #expect(await sendDue() == 2)
        // The same event again (the broker redelivers after a crash before the ack).
        let payload = alert("CP-1", site: "depot-north", severity: .critical, at: clock.now)
        let bytes = Array(try BusCoding.makeEncoder().encode(AlertEvent(at: clock.now, event: .firing, alert: payload)))
        await core.handleAlertEvent(MQTTMessage(topic: "ev/alerts/events", payload: bytes, qos: .atLeastOnce, retain: false))
        clock.advance(60)
        #expect(await sendDue() == 0)
        #expect(channels.sms.sent.count == 1)
    }

    @Test func temporaryFailuresBackOffExponentiallyThenSucceed() async throws {
        channels.email.answer(.failure(.temporary("connection refused")), .failure(.temporary("451 try later")))
        try await fire("CP-1")
        #expect(await sendDue() == 2)
        clock.advance(9.9)
        #expect(await sendDue() == 0, "first backoff is 10 s")
        clock.advance(0.1)
        #expect(await sendDue() == 1)
        clock.advance(19.9)
        #expect(await sendDue() == 0, "second backoff is 20 s")
        clock.advance(0.1)
        #expect(await sendDue() == 1)
        #expect(channels.email.sent.count == 3)
        #expect(Set(channels.email.sent.map(\.key)).count == 1, "every retry carries the same idempotency key")
        let email = await events().filter { $0.channel == "email" }
        #expect(email.map(\.event) == [.queued, .retrying, .retrying, .sent])
        #expect(email[1].reason == "connection refused" && email[1].attempt == 1)
        #expect(email[3].attempt == 3)
    }

    @Test func retryAfterIsHonouredWhenLongerThanTheBackoff() async throws {
        channels.sms.answer(.failure(.temporary("HTTP 429", retryAfterS: 45)))
        try await fire("CP-1")
        _ = await sendDue()
        clock.advance(44)
        #expect(await sendDue() == 0)
        clock.advance(1)
        #expect(await sendDue() == 1)
    }

    @Test func aPermanentFailureIsRecordedAndNeverRetried() async throws {
        channels.email.answer(.failure(.permanent("550 5.1.1 user unknown")))
        try await fire("CP-1")
        _ = await sendDue()
        clock.advance(3600)
        #expect(await sendDue() == 0)
        #expect(channels.email.sent.count == 1)
        let store = try NotifyStore(directory: directory)
        let failed = try store.history(HistoryFilter(state: .failed))
        #expect(failed.map(\.lastError) == ["550 5.1.1 user unknown"])
        let email = await events().filter { $0.channel == "email" }
        #expect(email.last?.event == .failed && email.last?.reason == "550 5.1.1 user unknown")
    }

    @Test func theDeadlineTurnsATemporaryFailureIntoAFailedOne() async throws {
        for _ in 0..<20 { channels.sms.answer(.failure(.temporary("HTTP 503"))) }
        try await fire("CP-1")
        var rounds = 0
        while rounds < 20 {
            _ = await sendDue()
            clock.advance(60)
            rounds += 1
        }
        let sms = await events().filter { $0.channel == "sms" }
        #expect(sms.last?.event == .failed)
        #expect(sms.last?.reason?.hasPrefix("deadline of 300 s exceeded after") == true)
        // 10 + 20 + 40 + 60 + 60 + 60 s of backoff reach the 5 min deadline.
        #expect(channels.sms.sent.count <= 7)
    }

    @Test func aSendInDoubtAfterACrashGoesAgainWithTheSameKey() async throws {
        try await fire("CP-1")
        let claimed = await core.claimDue(limit: 100)
        #expect(claimed.count == 2)
        // The daemon dies here: claimed, never recorded. A new core over the same database:
        let store = try NotifyStore(directory: directory)
        let inDoubt = try store.recoverInDoubt(at: clock.now)
        #expect(Set(inDoubt.map(\.key)) == Set(claimed.map(\.key)))
        let again = try store.claimDue(at: clock.now, limit: 100)
        #expect(Set(again.map(\.key)) == Set(claimed.map(\.key)))
        #expect(again.allSatisfy { $0.attempts == 2 })
    }
}
