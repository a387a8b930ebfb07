import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The engine shared by the subscription consumers and the publisher.
final class SharedEngine: Sendable {
    let engine: Mutex<HealthEngine>
    /// Set by the consumers after every input, cleared by the publisher when it flushes: an
    /// isolated change is published within milliseconds, a storm at most every `publishIntervalMs`.
    let pending = Atomic<Bool>(false)
    init(_ engine: HealthEngine) { self.engine = Mutex(engine) }
}

/// When the last retained message arrived, in ms since the daemon started: the end of the
/// retained burst is when the rebuild is complete.
final class RetainedMark: Sendable {
    let milliseconds = Atomic<Int64>(0)
}

/// `chargebus health`: subscribes to the bridge's topics with a persistent session, keeps the
/// `HealthEngine` up to date, and publishes charger health, fleet and site counts, the problem
/// list, the connectivity view and live sessions (all retained, QoS 1). Bucket transitions and
/// connectivity events go to `<data>/health.sqlite`.
///
/// Rebuild after a restart: the last bucket and `since` of every charger come from SQLite; the
/// retained bridge topics and the daemon's own retained health and session topics are read back;
/// messages queued by the broker for the persistent session are applied; then, once the retained
/// burst is over (`settleQuietMs` without a retained message), the engine settles and publishing
/// starts. The own topics are unsubscribed after that, so the daemon does not read its own output.
public struct HealthService: Service, CustomStringConvertible {
    public var description: String { "HealthService(\(mqtt.clientID))" }

    public let configuration: HealthConfiguration
    public let mqtt: MQTTConfiguration
    public let store: HealthStore
    public let logger: Logger
    let now: @Sendable () -> Date

    public init(configuration: HealthConfiguration, mqtt: MQTTConfiguration, store: HealthStore, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.mqtt = mqtt
        self.store = store
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let topics = Topics(root: configuration.topicRoot)
        let startedAt = now()
        let clock = ContinuousClock()
        let startInstant = clock.now
        let runID = try store.runStarted(at: startedAt)
        let restored = try store.restoredHistory(now: startedAt)
        logger.info("health daemon starting", metadata: [
            "chargers.known": .stringConvertible(restored.lastBuckets.count), "mqtt.client": .string(mqtt.clientID),
        ])
        let shared = SharedEngine(HealthEngine(configuration: configuration, restored: restored))
        let decoder = HealthInputDecoder(topics: topics, inbox: PayloadInbox(daemon: "health", logger: logger))
        let metrics = HealthMetrics()
        let lastRetained = RetainedMark()
        let client = MQTTClient(configuration: mqtt, logger: logger)

        // Subscribe before connecting: messages the broker queued for our session arrive right after CONNACK.
        let inputFilters = [
            topics.allChargerInfos, topics.allChargerStates, topics.allBoots, topics.allHeartbeats,
            topics.allConnectorStatuses, topics.allMeters, topics.allTransactions, topics.allDataTransferEvents,
            topics.allBridges,
        ]
        var subscribed: [MQTTSubscription] = []
        for filter in inputFilters { subscribed.append(try await client.subscribe(filter, qos: .atLeastOnce)) }
        let inputs = subscribed
        let own = [try await client.subscribe(topics.allChargerHealth, qos: .atLeastOnce),
                   try await client.subscribe(topics.allSessions, qos: .atLeastOnce)]
        try await connectWithRetry(client)
        let connectedInstant = clock.now

        let consume: @Sendable (MQTTSubscription) async -> Void = { subscription in
            for await message in subscription {
                if message.retain {
                    lastRetained.milliseconds.store(Int64((clock.now - startInstant) / .milliseconds(1)), ordering: .relaxed)
                }
                guard let input = decoder.decode(message) else { continue }
                metrics.received(input)
                let time = self.now()
                let urgent = shared.engine.withLock { $0.apply(input, now: time) }
                if urgent { shared.pending.store(true, ordering: .releasing) }
            }
        }

        let publisher = HealthPublisher(topics: topics, client: client, store: store, logger: logger, metrics: metrics,
                                        configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { consumers in
            for subscription in inputs + own { consumers.addTask { await consume(subscription) } }
            try await cancelWhenGracefulShutdown {
                // Settle: wait for the retained burst to end.
                let quiet = Duration.milliseconds(self.configuration.settleQuietMs)
                let limit = Duration.milliseconds(self.configuration.settleMaxMs)
                while true {
                    do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
                    let sinceConnect = clock.now - connectedInstant
                    let lastMs = lastRetained.milliseconds.load(ordering: .relaxed)
                    let sinceRetained = (clock.now - startInstant) - .milliseconds(lastMs)
                    if sinceConnect >= limit || (sinceConnect >= quiet && sinceRetained >= quiet) { break }
                }
                let settledAt = self.now()
                let chargers = shared.engine.withLock { engine in
                    engine.settle(now: settledAt)
                    return engine.chargers.count
                }
                for subscription in own { await subscription.cancel() }
                try? self.store.runSettled(runID, at: settledAt)
                let rebuild = clock.now - startInstant
                self.logger.info("health rebuilt; publishing", metadata: [
                    "chargers": .stringConvertible(chargers), "rebuild.ms": .stringConvertible(rebuild / .milliseconds(1)),
                ])
                Gauge(label: "chargebus_health_rebuild_seconds").record(Double(rebuild / .milliseconds(1)) / 1000)
                do {
                    try await publisher.run(shared: shared, now: self.now)
                } catch is CancellationError {}
            }
            // Graceful shutdown: publish and store what is pending, then leave cleanly.
            await publisher.flush(shared: shared, now: self.now(), forceLists: true)
            let deadline = clock.now + .seconds(5)
            while client.pendingPublishes > 0, clock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            // Disconnect before the consumers end: an iteration that ends while connected unsubscribes
            // at the broker, and the persistent session would then queue nothing while the daemon is down.
            await client.disconnect()
            try await consumers.waitForAll()
            // What arrived during the last flush was acknowledged to the broker: store it (its
            // retained health is republished by the next start).
            await publisher.store(shared: shared, now: self.now())
        }
        try? store.runStopped(runID, at: now())
        logger.info("health daemon stopped")
    }

    private func connectWithRetry(_ client: MQTTClient) async throws {
        var delay = 1.0
        while true {
            do {
                try await client.connect(timeout: .seconds(10))
                return
            } catch {
                try Task.checkCancellation()
                logger.error("cannot connect to the broker; retrying", metadata: [
                    "error": .string("\(error)"), "retry.s": .stringConvertible(delay),
                ])
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            }
        }
    }
}

/// swift-metrics counters of the health daemon.
struct HealthMetrics: Sendable {
    func received(_ input: HealthInput) {
        let kind: String = switch input {
        case .info: "info"
        case .state: "state"
        case .boot: "boot"
        case .heartbeat: "heartbeat"
        case .connectorStatus: "status"
        case .meter: "meter"
        case .transaction: "transactions"
        case .event: "event"
        case .bridge: "bridge"
        case .restoredHealth: "own-health"
        case .restoredSession: "own-session"
        }
        Counter(label: "chargebus_health_messages_total", dimensions: [("kind", kind)]).increment()
    }

    func published(_ kind: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "chargebus_health_publishes_total", dimensions: [("kind", kind)]).increment(by: count)
    }

    func transitions(_ list: [BucketTransition]) {
        for transition in list {
            Counter(label: "chargebus_health_transitions_total", dimensions: [("to", transition.to?.rawValue ?? "removed")]).increment()
        }
    }
}
