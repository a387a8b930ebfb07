import ChargeBusConfig
import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals

/// The channels for a config: the real SMTP, SMS and webhook channels, or fakes in unit tests.
public protocol ChannelProviding: Sendable {
    func channel(for kind: ChannelKind) -> (any NotificationChannel)?
}

/// Everything the notify daemon needs to start.
public struct NotifySettings: Sendable {
    public var mqtt: MQTTConfiguration
    public var topics: Topics
    public var dataDirectory: String
    /// The notify config (directory, routes, channels, templates), re-read on SIGHUP and on
    /// `{root}/notifications/config/reload`.
    public var configFile: String
    /// Where `*_env` secrets are looked up.
    public var environment: [String: String]
    /// At most this many sends in flight at once.
    public var maxConcurrentSends: Int

    public init(mqtt: MQTTConfiguration, topics: Topics, dataDirectory: String, configFile: String,
                environment: [String: String] = ProcessInfo.processInfo.environment, maxConcurrentSends: Int = 8) {
        self.mqtt = mqtt
        self.topics = topics
        self.dataDirectory = dataDirectory
        self.configFile = configFile
        self.environment = environment
        self.maxConcurrentSends = maxConcurrentSends
    }
}

extension NotifyService: CustomStringConvertible {
    public var description: String { "NotifyService(config: \(settings.configFile), data: \(settings.dataDirectory))" }
}

/// The notify daemon: follows `{root}/alerts/events` and the retained active alerts with a
/// persistent session, decides with `NotifyEngine`, writes every notification to the SQLite
/// outbox before sending it, sends with retries, and publishes the delivery lifecycle on
/// `{root}/notifications/events`.
public struct NotifyService: Service {
    let settings: NotifySettings
    let initialConfig: NotifyConfig
    let logger: Logger
    let now: @Sendable () -> Date
    let makeChannels: @Sendable (NotifyConfig) -> any ChannelProviding

    /// Loads the config at construction so that a bad file stops startup with file, line and reason.
    public init(settings: NotifySettings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                channels: @escaping @Sendable (NotifyConfig) -> any ChannelProviding) throws(ConfigError) {
        self.settings = settings
        self.logger = logger
        self.now = now
        self.makeChannels = channels
        initialConfig = try NotifyConfig.load(path: settings.configFile, environment: settings.environment)
    }

    public func run() async throws {
        let store = try NotifyStore(directory: settings.dataDirectory)
        let (outbox, outboxContinuation) = AsyncStream.makeStream(of: BusMessage.self)
        let core = try NotifyCore(settings: settings, config: initialConfig, channels: makeChannels(initialConfig), store: store,
                                  logger: logger, bus: outboxContinuation, now: now, makeChannels: makeChannels)
        let client = MQTTClient(configuration: settings.mqtt, logger: logger)
        let topics = settings.topics
        // Subscribe before connecting: what the broker queued for the persistent session while the
        // daemon was down arrives right after the CONNACK and must find its subscription.
        let events = try await client.subscribe(topics.alertEvents, qos: .atLeastOnce)
        let active = try await client.subscribe(topics.allActiveAlerts, qos: .atLeastOnce)
        let boots = try await client.subscribe(topics.allChargerBoots, qos: .atLeastOnce)
        let reloads = try await client.subscribe(topics.notifyConfigReload, qos: .atLeastOnce)
        await core.recoverInDoubt()
        try await client.connect(timeout: .seconds(30))
        logger.info("notify daemon connected", metadata: ["mqtt": .string(settings.mqtt.description), "config": .string(settings.configFile)])
        await core.publishStatus(error: nil)

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in events { await core.handleAlertEvent(message) }
            }
            group.addTask {
                for await message in active { await core.handleActiveAlert(message) }
            }
            group.addTask {
                for await message in boots { await core.handleBoot(message) }
            }
            group.addTask {
                for await _ in reloads { await core.reload(trigger: "topic") }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { await core.reload(trigger: "SIGHUP") }
            }
            // The engine's clock: group_wait, escalations and reminders.
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    await core.tickIfDue()
                }
            }
            // The outbox worker: claims due sends, at most `maxConcurrentSends` in flight. On a
            // graceful stop it lets the sends in flight finish (bounded by the channels' timeouts),
            // so that a deploy leaves no send in doubt; only then does the bus close.
            group.addTask {
                await OutboxWorker(core: core, maxConcurrent: settings.maxConcurrentSends).run()
                await core.finishBus()
            }
            group.addTask {
                try? await gracefulShutdown()
                await core.stopAccepting()
            }
            // One publisher, so events leave in the order they happened.
            for await message in outbox {
                do {
                    try await client.publish(message.topic, payload: message.payload, qos: .atLeastOnce, retain: message.retain)
                } catch {
                    logger.error("publish failed", metadata: ["mqtt.topic": .string(message.topic), "error": .string("\(error)")])
                }
            }
            // Disconnect before cancelling: cancelling the iterations would unsubscribe at the broker,
            // and the persistent session would stop queueing alerts for the daemon.
            _ = await client.flush(timeout: .seconds(5))
            await client.disconnect()
            group.cancelAll()
        }
        logger.info("notify daemon stopped")
    }
}

/// A message for the bus, in the order the daemon produced it.
struct BusMessage: Sendable {
    var topic: String
    var payload: [UInt8]
    var retain: Bool
}

/// Claims due sends from the outbox and keeps up to `maxConcurrent` of them in flight: a slow
/// SMS gateway never holds up the emails behind it.
struct OutboxWorker: Sendable {
    let core: NotifyCore
    let maxConcurrent: Int

    func run() async {
        // true: a send finished; false: the poll timer fired.
        await withTaskGroup(of: Bool.self) { group in
            var inFlight = 0
            var timerPending = false
            while !Task.isCancelled {
                let accepting = await core.acceptingSends
                if accepting && inFlight < maxConcurrent {
                    let batch = await core.claimDue(limit: maxConcurrent - inFlight)
                    for entry in batch {
                        inFlight += 1
                        group.addTask {
                            await core.deliver(entry)
                            return true
                        }
                    }
                    if !batch.isEmpty && inFlight < maxConcurrent { continue }
                } else if inFlight == 0 && !accepting {
                    return
                }
                // The core signals nothing: a short poll on an in-memory hint costs nothing and
                // keeps the queue → send delay under 25 ms.
                if !timerPending {
                    timerPending = true
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(25))
                        return false
                    }
                }
                guard let finished = await group.next() else { continue }
                if finished { inFlight -= 1 } else { timerPending = false }
            }
        }
    }
}

/// The daemon's state, serialized by the actor: config, engine, store and what it knows of chargers.
actor NotifyCore {
    let settings: NotifySettings
    var config: NotifyConfig
    var channels: any ChannelProviding
    var engine: NotifyEngine
    let store: NotifyStore
    let logger: Logger
    let inbox: PayloadInbox
    let bus: AsyncStream<BusMessage>.Continuation
    let now: @Sendable () -> Date
    let makeChannels: @Sendable (NotifyConfig) -> any ChannelProviding
    let encoder = BusCoding.makeEncoder()
    /// The chargers' vendor and model, from their retained boot notifications.
    var vendors: [String: (vendor: String, model: String)] = [:]
    /// When the earliest queued or retrying send is due, so the worker asks SQLite only then.
    var nextSendHint: Date? = .distantPast
    var acceptingSends = true
    var lastPrune = Date.distantPast
    var lastGauge = Date.distantPast

    let alertEvents = Counter(label: "chargebus_notify_alert_events_total")
    let pendingGauge = Gauge(label: "chargebus_notify_outbox_pending")

    init(settings: NotifySettings, config: NotifyConfig, channels: any ChannelProviding, store: NotifyStore, logger: Logger,
         bus: AsyncStream<BusMessage>.Continuation, now: @escaping @Sendable () -> Date,
         makeChannels: @escaping @Sendable (NotifyConfig) -> any ChannelProviding) throws {
        self.settings = settings
        self.config = config
        self.channels = channels
        self.store = store
        self.logger = logger
        self.inbox = PayloadInbox(daemon: "notify", logger: logger)
        self.bus = bus
        self.now = now
        self.makeChannels = makeChannels
        self.engine = NotifyEngine(tracks: try store.loadTracks(), groups: try store.loadGroups())
    }

    var topics: Topics { settings.topics }

    // MARK: Inputs

    func handleAlertEvent(_ message: MQTTMessage) {
        alertEvents.increment()
        guard let event = inbox.decode(AlertEvent.self, from: message, kind: "alert-event") else {
            countBad("alert-event")
            return
        }
        let eventKey = Self.handledKey(event.alert, event: event.event, at: event.at)
        do {
            // A redelivery (the persistent session after a crash before the ack) changes nothing.
            guard try !store.isHandled(eventKey) else { return }
        } catch {
            logger.error("cannot read the handled events", metadata: ["error": .string("\(error)")])
        }
        let vendor = vendors[event.alert.charger]
        let effects = engine.handle(event, vendor: vendor?.vendor ?? event.alert.details.vendorId, model: vendor?.model,
                                    routing: config.routing, at: now())
        commit(effects, handledEvent: eventKey, context: "alert \(event.alert.id) \(event.event.rawValue)")
    }

    func handleActiveAlert(_ message: MQTTMessage) {
        guard !inbox.isCleared(message) else { return }
        guard let alert = inbox.decode(AlertPayload.self, from: message, kind: "alert-active") else {
            countBad("alert-active")
            return
        }
        let firingKey = Self.handledKey(alert, event: .firing, at: alert.firedAt)
        let handled = (try? store.isHandled(firingKey)) ?? false
        let vendor = vendors[alert.charger]
        let effects = engine.reconcile(active: alert, vendor: vendor?.vendor ?? alert.details.vendorId, model: vendor?.model,
                                       routing: config.routing, alreadyHandled: handled, at: now())
        // The usual case (the firing event came first) changes nothing: no write at all.
        guard !effects.isEmpty else { return }
        // Record the firing as handled so that its event, if it is still queued for us, adds nothing.
        commit(effects, handledEvent: firingKey, context: "active alert \(alert.id)")
    }

    /// An incident fires once, so its firing is known by (alert, incident) alone, whether it came
    /// as an event or as a retained active alert; other events can repeat (several acks, silences).
    static func handledKey(_ alert: AlertPayload, event: AlertEvent.Kind, at: Date) -> String {
        event == .firing ? "\(alert.id)#\(alert.incident)/firing" : "\(alert.id)#\(alert.incident)/\(event.rawValue)/\(at.timeIntervalSince1970)"
    }

    func handleBoot(_ message: MQTTMessage) {
        guard !inbox.isCleared(message), let charger = topics.parse(message.topic).flatMap({ topic -> String? in
            if case .boot(let cp) = topic { return cp }
            return nil
        }) else { return }
        guard let boot = inbox.decode(BootInfo.self, from: message, kind: "boot") else {
            countBad("boot")
            return
        }
        vendors[charger] = (boot.vendor, boot.model)
    }

    func tickIfDue() {
        let at = now()
        if let due = engine.nextDue, due <= at {
            commit(engine.tick(routing: config.routing, at: at), handledEvent: nil, context: "tick")
        }
        // Once a second, not per delivery: counting the outbox after every send made a burst
        // slower the longer the outbox grew.
        if at.timeIntervalSince(lastGauge) >= 1 {
            lastGauge = at
            pendingGauge.record((try? store.pendingCount()) ?? 0)
        }
        if at.timeIntervalSince(lastPrune) > 3600 {
            lastPrune = at
            try? store.pruneHandledEvents(before: at.addingTimeInterval(-8 * 86_400))
        }
    }

    /// Renders what the engine planned and writes it all in one transaction, then announces the new sends.
    private func commit(_ effects: EngineEffects, handledEvent: String?, context: String) {
        for note in effects.notes {
            logger.info("\(note)")
        }
        var rendered: [String: Result<RenderedMessage, TemplateError>] = [:]
        for planned in effects.planned {
            do throws(TemplateError) {
                rendered[planned.key] = .success(try config.renderer.render(planned.content))
            } catch {
                rendered[planned.key] = .failure(error)
            }
        }
        let at = now()
        do {
            let inserted = try store.apply(effects, rendered: rendered, handledEvent: handledEvent, at: at)
            for entry in inserted {
                if entry.outboxState == .failed {
                    logger.error("notification not sendable", metadata: ["notify.id": .string(entry.key), "reason": .string(entry.lastError ?? "")])
                    Counter(label: "chargebus_notify_notifications_total", dimensions: [("channel", entry.channel), ("result", "failed")]).increment()
                    publish(entry.event(.failed, at: at))
                } else {
                    publish(entry.event(.queued, at: at))
                    nextSendHint = at
                }
            }
        } catch {
            // Not acknowledged to anyone yet: the event is not marked handled, so a redelivery retries.
            logger.error("cannot write to the outbox", metadata: ["context": .string(context), "error": .string("\(error)")])
        }
    }

    // MARK: Outbox

    func recoverInDoubt() {
        do {
            let entries = try store.recoverInDoubt(at: now())
            if !entries.isEmpty {
                logger.warning("sends in doubt after a stop: sending again with the same idempotency keys",
                               metadata: ["count": .stringConvertible(entries.count)])
            }
        } catch {
            logger.error("cannot recover the outbox", metadata: ["error": .string("\(error)")])
        }
    }

    func claimDue(limit: Int) -> [OutboxEntry] {
        let at = now()
        guard acceptingSends, let hint = nextSendHint, hint <= at else { return [] }
        do {
            let entries = try store.claimDue(at: at, limit: limit)
            if entries.count < limit {
                nextSendHint = try store.nextAttemptDue()
            }
            return entries
        } catch {
            logger.error("cannot read the outbox", metadata: ["error": .string("\(error)")])
            return []
        }
    }

    /// Sends one claimed entry and records the outcome. The actor is free while the send runs.
    nonisolated func deliver(_ entry: OutboxEntry) async {
        let (channel, retry) = await channelAndRetry(for: entry)
        let outcome: Result<DeliveryReceipt, DeliveryFailure>
        if let message = entry.decodedMessage() {
            if let channel {
                do throws(DeliveryFailure) {
                    outcome = .success(try await channel.send(OutgoingNotification(key: entry.key, recipient: entry.recipient, message: message)))
                } catch {
                    outcome = .failure(error)
                }
            } else {
                outcome = .failure(.permanent("channel \(entry.channel) is not configured"))
            }
        } else {
            outcome = .failure(.permanent("the stored message cannot be read"))
        }
        await record(entry, outcome: outcome, retry: retry)
    }

    private func channelAndRetry(for entry: OutboxEntry) -> ((any NotificationChannel)?, RetryPolicy) {
        let kind = ChannelKind(rawValue: entry.channel) ?? .email
        return (channels.channel(for: kind), config.retry[kind] ?? RetryPolicy())
    }

    /// Records the outcome straight into SQLite, without waiting for the actor (which may be busy
    /// with a burst of alert events): a send the server accepted must be marked sent as soon as
    /// possible, since a crash before that sends it again.
    private nonisolated func record(_ entry: OutboxEntry, outcome: Result<DeliveryReceipt, DeliveryFailure>, retry: RetryPolicy) async {
        let at = now()
        do {
            switch outcome {
            case .success(let receipt):
                do {
                    let updated = try store.markSent(entry, detail: receipt.detail, at: at)
                    Counter(label: "chargebus_notify_notifications_total", dimensions: [("channel", entry.channel), ("result", "sent")]).increment()
                    Timer(label: "chargebus_notify_delivery_seconds", dimensions: [("channel", entry.channel)])
                        .recordNanoseconds(Int64(max(0, at.timeIntervalSince(entry.createdAt)) * 1e9))
                    logger.info("notification sent", metadata: [
                        "notify.id": .string(entry.key), "channel": .string(entry.channel), "recipient": .string(entry.recipientName),
                        "attempt": .stringConvertible(entry.attempts),
                    ])
                    await publish(updated.event(.sent, at: at))
                }
            case .failure(let failure) where failure.temporary:
                let wait = max(retry.backoff(afterAttempt: entry.attempts), failure.retryAfterS ?? 0)
                let next = at.addingTimeInterval(wait)
                if next.timeIntervalSince(entry.createdAt) > retry.deadlineS {
                    let reason = "deadline of \(Int(retry.deadlineS)) s exceeded after \(entry.attempts) attempts: \(failure.reason)"
                    await fail(entry, reason: reason, at: at)
                } else {
                    let updated = try store.markRetry(entry, reason: failure.reason, next: next, at: at)
                    Counter(label: "chargebus_notify_notifications_total", dimensions: [("channel", entry.channel), ("result", "retrying")]).increment()
                    logger.warning("notification failed temporarily; retrying", metadata: [
                        "notify.id": .string(entry.key), "channel": .string(entry.channel), "reason": .string(failure.reason),
                        "retry.in.s": .stringConvertible(Int(wait)),
                    ])
                    await publish(updated.event(.retrying, at: at))
                    await scheduleRetry(at: next)
                }
            case .failure(let failure):
                await fail(entry, reason: failure.reason, at: at)
            }
        } catch {
            // The send happened (or not) but the outcome is not recorded: the entry stays `sending`
            // and is retried as in doubt at the next start, with the same idempotency key.
            logger.error("cannot record a delivery", metadata: ["notify.id": .string(entry.key), "error": .string("\(error)")])
        }
    }

    private func scheduleRetry(at next: Date) {
        if nextSendHint.map({ next < $0 }) ?? true { nextSendHint = next }
    }

    private nonisolated func fail(_ entry: OutboxEntry, reason: String, at: Date) async {
        guard let updated = try? store.markFailed(entry, reason: reason, at: at) else { return }
        Counter(label: "chargebus_notify_notifications_total", dimensions: [("channel", entry.channel), ("result", "failed")]).increment()
        logger.error("notification failed", metadata: [
            "notify.id": .string(entry.key), "channel": .string(entry.channel), "recipient": .string(entry.recipientName),
            "reason": .string(reason),
        ])
        await publish(updated.event(.failed, at: at))
    }

    // MARK: Config and status

    func reload(trigger: String) {
        do {
            let loaded = try NotifyConfig.load(path: settings.configFile, environment: settings.environment)
            config = loaded
            channels = makeChannels(loaded)
            Counter(label: "chargebus_notify_config_reloads_total", dimensions: [("result", "ok")]).increment()
            logger.notice("notify config reloaded", metadata: ["trigger": .string(trigger), "digest": .string(loaded.digest)])
            publishStatus(error: nil)
        } catch {
            Counter(label: "chargebus_notify_config_reloads_total", dimensions: [("result", "refused")]).increment()
            logger.error("notify config reload refused; the previous config stays active", metadata: [
                "trigger": .string(trigger), "error": .string("\(error)"),
            ])
            publishStatus(error: "\(error)")
        }
    }

    func publishStatus(error: String?) {
        let counts = (try? store.counts()) ?? NotifyStore.Counts(pending: 0, failed: 0, sent: 0, grouped: 0, tracked: 0)
        let status = NotifyStatus(at: now(), config: error == nil ? "ok" : "refused", source: settings.configFile, digest: config.digest,
                                  error: error, pending: counts.pending, grouped: counts.grouped, tracked: counts.tracked)
        guard let payload = try? encoder.encode(status) else { return }
        bus.yield(BusMessage(topic: topics.notifyStatus, payload: Array(payload), retain: true))
    }

    func stopAccepting() {
        acceptingSends = false
    }

    func finishBus() {
        acceptingSends = false
        publishStatus(error: nil)
        bus.finish()
    }

    private func publish(_ event: NotificationEvent) {
        guard let payload = try? encoder.encode(event) else { return }
        bus.yield(BusMessage(topic: topics.notificationEvents, payload: Array(payload), retain: false))
    }

    private func countBad(_ kind: String) {
        try? store.countBadPayload(kind: kind, at: now())
    }
}

extension ChannelSet: ChannelProviding {}
