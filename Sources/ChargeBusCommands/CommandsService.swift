import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import ServiceLifecycle

struct MQTTResultPublisher: ResultPublisher {
    let client: MQTTClient
    let logger: Logger

    func publish(_ topic: String, payload: [UInt8], correlationData: [UInt8]?) async {
        do {
            try await client.publish(topic, payload: payload, qos: .atLeastOnce, retain: false,
                                     properties: MQTTProperties(correlationData: correlationData))
        } catch {
            logger.error("cannot publish a command result", metadata: ["mqtt.topic": "\(topic)", "error": "\(error)"])
        }
    }
}

/// `chargebus commands`: the remote commands daemon (issue 6).
///
/// A persistent MQTT session (client id `chargebus-commands`), so requests published while it restarts are
/// delivered when it is back; a SQLite audit log written before acting. Graceful shutdown cancels what runs:
/// unfinished commands are closed with `Error` at the next start and never re-sent.
public struct CommandsService: Service {
    let configuration: CommandsConfiguration
    let mqtt: MQTTConfiguration
    let store: CommandStore
    let clock: any CommandsClock
    let logger: Logger
    /// How often limit timers and call deadlines are checked.
    let tickInterval: Double

    public init(configuration: CommandsConfiguration, mqtt: MQTTConfiguration, store: CommandStore,
                clock: any CommandsClock = SystemClock(), logger: Logger, tickInterval: Double = 0.25) {
        self.configuration = configuration
        self.mqtt = mqtt
        self.store = store
        self.clock = clock
        self.logger = logger
        self.tickInterval = tickInterval
    }

    static let probeCharger = "chargebus-identity-probe"

    /// The identity of a request is the `/by/{user}` level, which only the broker's ACL makes trustworthy.
    /// Check it: publish as someone else. A broker that binds identities refuses (MQTT 5 PUBACK 0x87).
    func checkIdentityBinding(_ client: MQTTClient, topics: Topics) async {
        let topic = topics.command(Self.probeCharger, name: "reset", by: "probe-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try await client.publishAcknowledged(topic, payload: [])
            let advice = configuration.identity == .broker
                ? "anyone can publish as anyone on this broker: install the ACL of mosquitto/acl (pattern ev/chargers/+/commands/+/by/%u)"
                : "identity is taken from the payload (identity: payload): use this only in a lab"
            logger.warning("the broker does not bind requests to their sender", metadata: ["advice": "\(advice)"])
        } catch {
            logger.info("the broker binds requests to their sender's username", metadata: ["probe": "\(error)"])
        }
    }

    enum Job: Sendable {
        case execute(ExecutionPlan)
        case stop(requestId: String, chargerID: String, transactionId: TransactionID)
        case resumeFirmware(ExecutionPlan)
    }

    public func run() async throws {
        let topics = Topics(root: configuration.topicRoot)
        let client = MQTTClient(configuration: mqtt, logger: logger)
        let engine = try CommandsEngine(configuration: configuration, store: store,
                                        publisher: MQTTResultPublisher(client: client, logger: logger), clock: clock, logger: logger)
        let calls = CallClient(topics: topics) { topic, payload in
            // The message expires with the call, so a restarting bridge never executes a stale command.
            try await client.publish(topic, payload: payload, qos: .atLeastOnce,
                                     properties: MQTTProperties(messageExpiryInterval: UInt32(configuration.callTimeoutS.rounded(.up))))
        }
        let executor = CommandExecutor(engine: engine, calls: calls, clock: clock, configuration: configuration)

        // Subscriptions first, then connect: a persistent session delivers what was queued right after CONNACK.
        let fleetFilters = [topics.allChargerStates, topics.allChargerInfos, topics.allConnectorStatuses, topics.allTransactions,
                            topics.allMeters, "\(topics.root)/chargers/+/events/firmware-status", topics.allBridges]
        var subscribed: [MQTTSubscription] = []
        for filter in fleetFilters { subscribed.append(try await client.subscribe(filter)) }
        let fleetSubscriptions = subscribed
        let responses = try await client.subscribe(topics.allCallResponses)
        // One subscription for both request forms (…/{name} and …/{name}/by/{user}); results come back too and are skipped.
        let requests = try await client.subscribe("\(topics.root)/chargers/+/commands/#")
        try await client.connect(timeout: .seconds(30))
        logger.info("commands daemon connected", metadata: ["mqtt": "\(mqtt)", "identity": "\(configuration.identity.rawValue)",
                                                           "users": "\(configuration.users.count)"])
        await checkIdentityBinding(client, topics: topics)
        let resumed = await engine.closeInterrupted()

        let (jobs, jobSink) = AsyncStream<Job>.makeStream()
        for plan in resumed { jobSink.yield(.resumeFirmware(plan)) }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for subscription in fleetSubscriptions {
                    group.addTask { for await message in subscription { await engine.apply(message) } }
                }
                group.addTask {
                    let inbox = PayloadInbox(daemon: "commands", logger: logger)
                    for await message in responses {
                        if let response = inbox.decode(CallResponse.self, from: message, kind: "call-response") { await calls.deliver(response) }
                    }
                }
                group.addTask {
                    // Retained charger state arrives with the subscriptions; give it a moment before deciding on
                    // requests that were queued while the daemon was down, or they would find an "unknown charger".
                    try? await clock.sleep(seconds: 0.5)
                    for await message in requests {
                        guard case .request(let cp, let name, let user)? = topics.parseCommandTopic(message.topic),
                              cp != Self.probeCharger else { continue }
                        let envelope = RequestEnvelope(chargerID: cp, name: name, boundUser: user, payload: message.payload,
                                                       responseTopic: message.properties.responseTopic,
                                                       correlationData: message.properties.correlationData)
                        if let plan = await engine.handle(envelope) { jobSink.yield(.execute(plan)) }
                    }
                    jobSink.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await clock.sleep(seconds: tickInterval)
                        await calls.expire(now: clock.now)
                        for action in await engine.tick() {
                            if case .stop(let id, let cp, let tx, _) = action { jobSink.yield(.stop(requestId: id, chargerID: cp, transactionId: tx)) }
                        }
                    }
                    jobSink.finish()
                }
                for await job in jobs {
                    switch job {
                    case .execute(let plan): group.addTask { await executor.run(plan) }
                    case .stop(let id, let cp, let tx): group.addTask { await executor.stopLimited(requestId: id, chargerID: cp, transactionId: tx) }
                    case .resumeFirmware(let plan): group.addTask { await executor.resumeFirmware(plan) }
                    }
                }
                group.cancelAll()
            }
        }
        await client.disconnect()
        logger.info("commands daemon stopped")
    }
}
