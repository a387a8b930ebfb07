import ChargeBusConfig
import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals

/// Everything the alerts daemon needs to start.
public struct AlertsSettings: Sendable {
    public var mqtt: MQTTConfiguration
    public var topics: Topics
    public var dataDirectory: String
    /// The rules file re-read on SIGHUP and `{root}/alerts/config/reload`; nil = built-in defaults.
    public var rulesFile: String?

    public init(mqtt: MQTTConfiguration, topics: Topics, dataDirectory: String, rulesFile: String?) {
        self.mqtt = mqtt
        self.topics = topics
        self.dataDirectory = dataDirectory
        self.rulesFile = rulesFile
    }
}

extension AlertsService: CustomStringConvertible {
    // ServiceLifecycle logs every service at startup; keep it to one readable line.
    public var description: String { "AlertsService(rules: \(initialRules.source), data: \(settings.dataDirectory))" }
}

/// A message to publish, in the order the engine produced it.
struct Outgoing: Sendable {
    var topic: String
    var payload: [UInt8]
    var retain: Bool
}

/// The alerts daemon: subscribes to the bridge's topics and the alert control topics, feeds the
/// engine, records every transition in SQLite before publishing it, and resumes after a restart.
public struct AlertsService: Service {
    let settings: AlertsSettings
    let initialRules: LoadedRules
    let logger: Logger
    let now: @Sendable () -> Date

    /// Loads the rules at construction so that a bad rules file stops startup with file, line and reason.
    public init(settings: AlertsSettings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.settings = settings
        self.logger = logger
        self.now = now
        if let file = settings.rulesFile {
            initialRules = try LoadedRules.load(file: file)
        } else {
            initialRules = .defaults
        }
    }

    public func run() async throws {
        let store = try AlertStore(directory: settings.dataDirectory)
        let (outbox, outboxContinuation) = AsyncStream.makeStream(of: Outgoing.self)
        let core = AlertsCore(settings: settings, rules: initialRules, store: store, logger: logger,
                              outbox: outboxContinuation, now: now)
        let client = MQTTClient(configuration: settings.mqtt, logger: logger)
        let topics = settings.topics
        // Subscribe before connecting: with a persistent session, what the broker queued while the
        // daemon was down arrives right after the CONNACK and must find its subscription.
        let filters = [
            topics.allChargerInfos, topics.allChargerStates, topics.allChargerBoots, topics.allConnectorStatuses,
            topics.allMeters, topics.allChargerTransactions, topics.allChargerDataTransfers, topics.allBridges,
            topics.allAlertAcks, topics.silenceSet, topics.allSilenceExpires, topics.alertsConfigSet, topics.alertsConfigReload,
        ]
        var subscriptions: [MQTTSubscription] = []
        for filter in filters {
            subscriptions.append(try await client.subscribe(filter, qos: .atLeastOnce))
        }
        // Restore before the first message so that re-delivered retained state finds the old tracks.
        await core.restore()
        try await client.connect(timeout: .seconds(30))
        logger.info("alerts daemon connected", metadata: ["mqtt": .string(settings.mqtt.description), "rules": .string(initialRules.source)])
        await core.publishConfigStatus(error: nil)

        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions {
                group.addTask {
                    for await message in subscription {
                        await core.handle(message)
                    }
                }
            }
            // The scheduler: hold times, keep-firing periods, silence ends, and periodic track saves.
            group.addTask {
                let interval = Duration.milliseconds(Int64(initialRules.config.tickS * 1000))
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await core.tick()
                }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    await core.reloadFromFile(trigger: "SIGHUP")
                }
            }
            // On graceful shutdown: stop producing, let the publisher drain, then disconnect.
            group.addTask {
                try? await gracefulShutdown()
                await core.closeOutbox()
            }
            // The publisher: one task, so events leave in the order the engine produced them.
            for await item in outbox {
                do {
                    try await client.publish(item.topic, payload: item.payload, qos: .atLeastOnce, retain: item.retain)
                } catch {
                    logger.error("publish failed", metadata: ["mqtt.topic": .string(item.topic), "error": .string("\(error)")])
                }
            }
            await core.saveTracks()
            // Disconnect before cancelling: cancelling an iteration would unsubscribe at the broker and
            // lose what the persistent session should queue while the daemon is down.
            await client.disconnect()
            group.cancelAll()
        }
        await core.saveTracks()
        logger.info("alerts daemon stopped")
    }
}

/// The daemon's state: the engine, the store and the outbox, serialized by the actor.
actor AlertsCore {
    let settings: AlertsSettings
    var rules: LoadedRules
    var engine: AlertEngine
    let store: AlertStore
    let logger: Logger
    let inbox: PayloadInbox
    let outbox: AsyncStream<Outgoing>.Continuation
    let now: @Sendable () -> Date
    let encoder = BusCoding.makeEncoder()
    var outboxClosed = false
    var lastSave = Date.distantPast

    let messages = Counter(label: "chargebus_alerts_messages_total")
    let unknownCodes = Counter(label: "chargebus_alerts_unknown_codes_total")
    let firingGauge = Gauge(label: "chargebus_alerts_firing")

    init(settings: AlertsSettings, rules: LoadedRules, store: AlertStore, logger: Logger,
         outbox: AsyncStream<Outgoing>.Continuation, now: @escaping @Sendable () -> Date) {
        self.settings = settings
        self.rules = rules
        self.engine = AlertEngine(config: rules.config, codes: rules.codes)
        self.store = store
        self.logger = logger
        self.inbox = PayloadInbox(daemon: "alerts", logger: logger)
        self.outbox = outbox
        self.now = now
    }

    var topics: Topics { settings.topics }

    func restore() {
        do {
            let snapshot = try store.loadSnapshot()
            // Republish every firing alert (retained, idempotent): a crash between the SQLite write
            // and the publish must not leave a firing alert missing from the bus.
            for alert in snapshot.live {
                emitRetained(alert.payload)
            }
            let at = now()
            let actions = engine.restore(tracks: snapshot.tracks, liveAlerts: snapshot.live, incidents: snapshot.incidents,
                                         silences: snapshot.silences, now: at, evaluateAt: at.addingTimeInterval(3))
            logger.info("alerts state restored", metadata: [
                "chargers": .stringConvertible(snapshot.tracks.count), "firing": .stringConvertible(snapshot.live.count),
                "silences": .stringConvertible(snapshot.silences.count),
            ])
            perform(actions)
        } catch {
            logger.error("cannot restore the alerts state; starting empty", metadata: ["error": .string("\(error)")])
        }
    }

    func handle(_ message: MQTTMessage) {
        messages.increment()
        let at = now()
        if let topic = topics.parse(message.topic) {
            guard let input = decode(topic, message) else { return }
            perform(engine.handle(input, now: at))
            return
        }
        guard let alertTopic = topics.parseAlertTopic(message.topic) else {
            inbox.reject(message, kind: "unknown-topic", reason: "not a topic the alerts daemon uses")
            return
        }
        switch alertTopic {
        case .ack(let id):
            guard let request = inbox.decode(AlertAckRequest.self, from: message, kind: "alert-ack") else { return }
            guard !request.by.trimmingCharacters(in: .whitespaces).isEmpty else {
                inbox.reject(message, kind: "alert-ack", reason: "`by` must name who acknowledges")
                return
            }
            perform(engine.handle(.ack(alertID: id, request), now: at))
        case .silenceSet:
            guard let request = inbox.decode(SilenceRequest.self, from: message, kind: "silence-set") else { return }
            switch Self.makeSilence(request, now: at) {
            case .success(let silence): perform(engine.handle(.setSilence(silence), now: at))
            case .failure(let reason): inbox.reject(message, kind: "silence-set", reason: reason.message)
            }
        case .silenceExpire(let id):
            let by = (try? BusCoding.decode(SilenceExpireRequest.self, from: message.payload))?.by ?? "unknown"
            perform(engine.handle(.expireSilence(id: id, by: by), now: at))
        case .configSet:
            let text = message.payloadString
            do {
                let loaded = try LoadedRules.parse(text: text, file: "topic \(message.topic)",
                                                   baseDirectory: settings.rulesFile.map { ($0 as NSString).deletingLastPathComponent } ?? ".")
                apply(loaded, trigger: "topic")
            } catch {
                refuse(error, trigger: "topic")
            }
        case .configReload:
            reloadFromFile(trigger: "topic")
        case .active, .events, .silence, .configStatus:
            break
        }
    }

    struct Refusal: Error { var message: String }

    static func makeSilence(_ r: SilenceRequest, now: Date) -> Result<Silence, Refusal> {
        guard !r.matcher.isEmpty else { return .failure(Refusal(message: "a silence needs at least one of charger, site, rule, group")) }
        guard !r.createdBy.trimmingCharacters(in: .whitespaces).isEmpty else { return .failure(Refusal(message: "`createdBy` is required")) }
        let start = r.startsAt ?? now
        guard let end = r.endsAt ?? r.durationS.map({ start.addingTimeInterval($0) }) else {
            return .failure(Refusal(message: "either `endsAt` or `durationS` is required"))
        }
        guard end > start else { return .failure(Refusal(message: "`endsAt` must be after `startsAt`")) }
        if let id = r.id, id.isEmpty || id.contains(where: { "/+#".contains($0) }) {
            return .failure(Refusal(message: "`id` must not be empty or contain / + #"))
        }
        let id = r.id ?? "s-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return .success(Silence(id: id, matcher: r.matcher, startsAt: start, endsAt: end, createdBy: r.createdBy,
                                comment: r.comment, createdAt: now))
    }

    private func decode(_ topic: Topic, _ message: MQTTMessage) -> EngineInput? {
        switch topic {
        case .info(let cp):
            if inbox.isCleared(message) { return .info(charger: cp, nil) }
            return inbox.decode(ChargerInfo.self, from: message, kind: "info").map { .info(charger: cp, $0) }
        case .chargerState(let cp):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(ChargerState.self, from: message, kind: "state").map { .state(charger: cp, $0) }
        case .boot(let cp):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(BootInfo.self, from: message, kind: "boot").map { .boot(charger: cp, $0) }
        case .connectorStatus(let cp, let n):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(ConnectorStatus.self, from: message, kind: "status").map { .status(charger: cp, connector: n, $0) }
        case .meter(let cp, let n):
            return inbox.decode(MeterReading.self, from: message, kind: "meter").map { .meter(charger: cp, connector: n, $0) }
        case .transactions(let cp):
            return inbox.decode(TransactionEvent.self, from: message, kind: "transactions").map { .transaction(charger: cp, $0) }
        case .event(let cp, .dataTransfer):
            return inbox.decode(ChargerEvent.self, from: message, kind: "data-transfer").map { .dataTransfer(charger: cp, $0) }
        case .bridge:
            if inbox.isCleared(message) { return nil }
            return inbox.decode(BridgeState.self, from: message, kind: "bridge").map { .bridge($0) }
        default:
            return nil
        }
    }

    func tick() {
        let at = now()
        perform(engine.tick(now: at))
        // Track saves are batched: at most one transaction per second, whatever the message rate.
        if at.timeIntervalSince(lastSave) >= 1 {
            saveTracks()
        }
    }

    func saveTracks() {
        lastSave = now()
        let dirty = engine.takeDirty()
        do {
            try store.saveTracks(dirty)
        } catch {
            logger.error("cannot save charger tracks", metadata: ["error": .string("\(error)")])
        }
    }

    func reloadFromFile(trigger: String) {
        guard let file = settings.rulesFile else {
            logger.notice("reload requested, but the daemon runs on the built-in defaults (no rules file)", metadata: ["trigger": .string(trigger)])
            return
        }
        do {
            apply(try LoadedRules.load(file: file), trigger: trigger)
        } catch {
            refuse(error, trigger: trigger)
        }
    }

    private func apply(_ loaded: LoadedRules, trigger: String) {
        rules = loaded
        perform(engine.reconfigure(loaded.config, codes: loaded.codes, now: now()))
        Counter(label: "chargebus_alerts_config_reloads_total", dimensions: [("result", "ok")]).increment()
        logger.notice("rules reloaded", metadata: ["source": .string(loaded.source), "trigger": .string(trigger), "digest": .string(loaded.digest)])
        publishConfigStatus(error: nil)
    }

    private func refuse(_ error: ConfigError, trigger: String) {
        Counter(label: "chargebus_alerts_config_reloads_total", dimensions: [("result", "refused")]).increment()
        logger.error("rules refused; the previous rules stay active", metadata: ["error": .string(error.description), "trigger": .string(trigger)])
        publishConfigStatus(error: error.description)
    }

    func publishConfigStatus(error: String?) {
        let status = AlertsConfigStatus(at: now(), status: error == nil ? "ok" : "refused", source: rules.source, digest: rules.digest,
                                        error: error, rules: rules.config.rules.filter(\.settings.enabled).map(\.name))
        emit(topics.alertsConfigStatus, status, retain: true)
    }

    func closeOutbox() {
        outboxClosed = true
        outbox.finish()
    }

    // MARK: Actions

    private func perform(_ actions: [EngineAction]) {
        guard !actions.isEmpty else { return }
        do {
            try store.record(actions, engine: engine)
        } catch {
            logger.error("cannot record alert actions", metadata: ["error": .string("\(error)")])
        }
        for action in actions {
            switch action {
            case .alert(let alert, let event):
                emitRetained(alert)
                if let event {
                    emit(topics.alertEvents, event, retain: false)
                    Counter(label: "chargebus_alerts_transitions_total", dimensions: [("event", event.event.rawValue), ("rule", alert.rule)]).increment()
                    logger.info("alert \(event.event.rawValue)", metadata: [
                        "alert.id": .string(alert.id), "charger.id": .string(alert.charger), "rule": .string(alert.rule),
                        "connector": .stringConvertible(alert.connector), "summary": .string(alert.summary),
                    ])
                }
            case .unknownCode(let vendorId, let code, let charger, _):
                unknownCodes.increment()
                logger.notice("unknown vendor code", metadata: ["charger.id": .string(charger), "vendorId": .string(vendorId ?? ""), "code": .string(code)])
            case .silence(let silence, let ended):
                if ended {
                    emitRaw(topics.silence(silence.id), [], retain: true)
                } else {
                    emit(topics.silence(silence.id), silence, retain: true)
                }
            case .ackRejected(let id, let by, let reason):
                logger.notice("ack ignored", metadata: ["alert.id": .string(id), "by": .string(by), "reason": .string(reason)])
            }
        }
        firingGauge.record(engine.live.count)
    }

    private func emitRetained(_ alert: AlertPayload) {
        let topic = topics.alertActive(alert.charger, rule: alert.rule, connector: alert.connector)
        if alert.state == .resolved {
            emitRaw(topic, [], retain: true)
        } else {
            emit(topic, alert, retain: true)
        }
    }

    private func emit<T: Encodable>(_ topic: String, _ value: T, retain: Bool) {
        do {
            emitRaw(topic, Array(try encoder.encode(value)), retain: retain)
        } catch {
            logger.error("cannot encode", metadata: ["mqtt.topic": .string(topic), "error": .string("\(error)")])
        }
    }

    private func emitRaw(_ topic: String, _ payload: [UInt8], retain: Bool) {
        guard !outboxClosed else { return }
        outbox.yield(Outgoing(topic: topic, payload: payload, retain: retain))
    }
}

/// What `chargebus run` and `chargebus alerts` start.
public enum AlertsFactory {
    public static func rulesFile(explicit: String?, sharedConfig: String?) -> String? {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment["CHARGEBUS_ALERTS_RULES"] { return env }
        if let sharedConfig { return sharedConfig }
        return FileManager.default.fileExists(atPath: "config/alerts.yaml") ? "config/alerts.yaml" : nil
    }
}
