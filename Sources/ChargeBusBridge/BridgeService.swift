import ChargeBusContract
import ChargeBusMQTT
import ChargeBusOCPP
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The OCPP bridge as a service: connects to the broker (with a last will on `{root}/bridges/{id}`),
/// serves chargers, carries calls from the bus, and on graceful shutdown publishes every charger
/// it holds as offline (`bridge-shutdown`) before it says goodbye.
public final class BridgeService: Service, Sendable {
    public static let version = "0.1.0"

    let configuration: BridgeConfiguration
    let mqttConfiguration: MQTTConfiguration
    let store: BridgeStore
    let logger: Logger
    let now: @Sendable () -> Date
    let group: any EventLoopGroup
    let onListening: @Sendable (Int) -> Void

    public init(configuration: BridgeConfiguration, mqtt: MQTTConfiguration, store: BridgeStore, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                now: @escaping @Sendable () -> Date = { Date() },
                onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.now = now
        self.group = group
        self.onListening = onListening
        var mqtt = mqtt
        let topics = Topics(root: configuration.topicRoot)
        let will = BridgeState(online: false, bridge: configuration.bridgeID, reason: "connection-lost")
        mqtt.will = MQTTWill(topic: topics.bridge(configuration.bridgeID), payload: (try? BusCoding.encode(will)) ?? [],
                             qos: .atLeastOnce, retain: true)
        // A persistent session: QoS 1 messages in flight when the broker restarts are redelivered.
        if mqtt.cleanStart { mqtt.usePersistentSession(expirySeconds: 24 * 3600) }
        mqtt.maxInflightMessages = configuration.mqttMaxInflight
        // No QoS 1 backlog beyond the window inside libmosquitto: it walks its whole outgoing list on every PUBACK,
        // so a queue there costs CPU and adds latency. Past the window, chargers wait for their answers instead.
        mqtt.maxPendingPublishes = configuration.mqttMaxInflight
        self.mqttConfiguration = mqtt
    }

    public func run() async throws {
        let topics = Topics(root: configuration.topicRoot)
        let client = MQTTClient(configuration: mqttConfiguration, logger: logger)
        if configuration.autoRegister {
            logger.warning("AUTO-REGISTER IS ON: any charger id is accepted WITHOUT A PASSWORD. Use this for demos and tests only.")
        }
        try await connectWithRetry(client)
        // Created right after the first connect, so it reports reconnects only.
        let reconnects = client.connectionEvents

        let environment = BridgeEnvironment(
            configuration: configuration, store: store,
            bus: BusWriter(topics: topics, publisher: client, awaitBrokerAck: configuration.acknowledgeAfterBrokerAck),
            metrics: BridgeMetrics(), logger: logger, now: now)
        let registry = SessionRegistry()
        let authenticator = HandshakeAuthenticator(store: store, autoRegister: configuration.autoRegister, logger: logger)
        let server = BridgeServer(environment: environment, registry: registry, authenticator: authenticator, group: group)
        let router = CallRouter(environment: environment, registry: registry, mqtt: client)
        let subscription = try await client.subscribe(topics.allCallRequests, qos: .atLeastOnce)

        let listen = "\(configuration.listenHost):\(configuration.listenPort)"
        try await environment.bus.bridgeState(configuration.bridgeID, BridgeState(
            online: true, bridge: configuration.bridgeID, at: now(), version: Self.version, listen: listen))

        let onListening = self.onListening
        let stopServing: @Sendable () -> Void = {
            server.stopAccepting()
            for session in registry.all { session.close(reason: .bridgeShutdown) }
        }
        // Cancellation (another service of the group failed) must stop the bridge just like a
        // graceful shutdown: a bridge that stops serving but keeps accepting would strand chargers.
        try await withTaskCancellationHandler {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    try await server.run(onBound: { address in onListening(address?.port ?? 0) })
                }
                tasks.addTask { await router.run(subscription: subscription) }
                tasks.addTask { await Self.sweep(registry: registry, policy: SilencePolicy(configuration: self.configuration)) }
                tasks.addTask { await RegistrySync(environment: environment, interval: .seconds(self.configuration.registrySyncIntervalS)).run() }
                tasks.addTask { await self.reannounce(after: reconnects, registry: registry, environment: environment, listen: listen) }
                // The server returns once it stopped accepting and every connection has ended.
                try await tasks.next()
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: publishing every charger offline")
            stopServing()
        }
        } onCancel: {
            stopServing()
        }

        await subscription.cancel()
        try? await environment.bus.bridgeState(configuration.bridgeID, BridgeState(
            online: false, bridge: configuration.bridgeID, at: now(), version: Self.version, reason: "shutdown"))
        // disconnect() drops unacknowledged QoS 1 messages: give the last ones a moment to land.
        if await !client.flush(timeout: .seconds(5)) {
            logger.warning("some messages were not acknowledged by the broker before shutdown")
        }
        await client.disconnect()
        logger.info("bridge stopped")
    }

    /// After a connection loss the broker may have published the last will (`online:false`) and
    /// consumers may have marked every charger of this bridge offline: on each reconnect, say again
    /// that the bridge is up and which chargers it holds.
    private func reannounce(after events: AsyncStream<MQTTConnectionEvent>, registry: SessionRegistry,
                            environment: BridgeEnvironment, listen: String) async {
        for await event in events {
            guard case .connected = event else { continue }
            let bridgeID = configuration.bridgeID
            logger.info("broker connection restored: announcing the bridge and its chargers again", metadata: ["chargers": "\(registry.count)"])
            try? await environment.bus.bridgeState(bridgeID, BridgeState(
                online: true, bridge: bridgeID, at: now(), version: Self.version, listen: listen))
            for session in registry.all where session.closeReason == nil {
                try? await environment.bus.chargerState(session.chargerID, .online(
                    at: session.connectedAt, bridge: bridgeID, protocol: session.version.subprotocol, remote: session.remote))
            }
        }
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
                    "mqtt.host": "\(mqttConfiguration.host):\(mqttConfiguration.port)", "error": "\(error)", "retry_in_s": "\(delay)"])
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            }
        }
    }

    /// Four times a second: ping quiet chargers, close silent ones, expire unanswered calls.
    static func sweep(registry: SessionRegistry, policy: SilencePolicy) async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            for session in registry.all {
                await session.sweep(policy: policy, now: now)
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}
