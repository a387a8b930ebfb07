import Logging

/// An MQTT 5 / 3.1.1 client on top of libmosquitto.
///
/// Lifecycle: `init` → (optionally `subscribe` first, see below) → `connect` → `publish` / `subscribe` … →
/// `disconnect`. After the first successful connect libmosquitto reconnects by itself with exponential backoff, and
/// every live subscription is subscribed again on each reconnect. `disconnect()` (or releasing the last reference
/// to the client) is final.
///
/// Persistent sessions: messages the broker queued for this client id while it was offline arrive right after the
/// CONNACK. To receive them, create the subscriptions *before* calling `connect()` — `subscribe` then registers
/// locally and returns at once; the SUBSCRIBE is sent as soon as the connection is up. Messages that match no
/// subscription of this client are dropped (logged at debug level).
///
/// Back-pressure and a deadlock hazard: see `MQTTSubscription`. A consumer must not wait for acknowledgements of
/// its own publishes while it holds up its own subscription.
public final class MQTTClient: Sendable {
    let core: ClientCore

    public init(configuration: MQTTConfiguration, logger: Logger) {
        core = ClientCore(configuration: configuration, logger: logger)
    }

    deinit {
        core.shutdownSync()
    }

    public var configuration: MQTTConfiguration { core.configuration }

    /// Connects and starts the network thread. Returns after the first successful CONNACK; throws
    /// `connectionFailed` if the broker refuses (bad credentials, …) or no connection is up within `timeout`
    /// (an unreachable broker is retried with backoff until then). Returns immediately when already connected.
    public func connect(timeout: Duration = .seconds(10)) async throws(MQTTError) {
        try await core.connect(timeout: timeout)
    }

    /// Clean disconnect: sends DISCONNECT (so the broker does not publish the will), stops the network thread and
    /// finishes every subscription sequence (after what they already buffered, including messages that arrive while
    /// disconnecting) and `connectionEvents` stream. Publishes still waiting for a slot or an acknowledgement throw
    /// `MQTTError.shutdown`; QoS 1 messages not yet acknowledged are dropped (call `flush` first). Idempotent.
    public func disconnect() async {
        await core.shutdown()
    }

    /// Waits until every QoS 1 message published so far has been acknowledged by the broker (e.g. before
    /// `disconnect()` on a graceful shutdown). Returns false if that did not happen within `timeout`.
    public func flush(timeout: Duration = .seconds(5)) async -> Bool {
        await core.flush(timeout: timeout)
    }

    /// Enqueues a message.
    ///
    /// QoS 1: suspends (back-pressure) while `maxPendingPublishes` QoS 1 messages are unacknowledged — including
    /// while the broker is unreachable. Messages published while disconnected are queued by libmosquitto and
    /// delivered after the reconnect (at least once; never reported as failed, so callers do not duplicate them).
    /// QoS 0: sent only if connected, otherwise throws `notConnected`.
    ///
    /// Deadlock hazard: never wait on publishes (this back-pressure, or `publishAcknowledged`) from a task that is
    /// at the same time the only consumer of one of this client's subscriptions — see `MQTTSubscription`.
    public nonisolated(nonsending) func publish(
        _ topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        properties: MQTTProperties = .init()
    ) async throws(MQTTError) {
        try await core.publish(topic, payload: payload, qos: qos, retain: retain, properties: properties, waitForAcknowledgement: false)
    }

    /// `publish` with a UTF-8 string payload.
    public nonisolated(nonsending) func publish(
        _ topic: String,
        string: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        properties: MQTTProperties = .init()
    ) async throws(MQTTError) {
        try await publish(topic, payload: Array(string.utf8), qos: qos, retain: retain, properties: properties)
    }

    /// Publishes with QoS 1 and returns only once the broker acknowledged it (PUBACK). Throws `publishFailed` if
    /// the broker rejects it (MQTT 5 reason code ≥ 0x80). If the waiting task is cancelled it throws `cancelled`,
    /// but the message stays queued and will still be delivered.
    public nonisolated(nonsending) func publishAcknowledged(
        _ topic: String,
        payload: [UInt8],
        retain: Bool = false,
        properties: MQTTProperties = .init()
    ) async throws(MQTTError) {
        try await core.publish(topic, payload: payload, qos: .atLeastOnce, retain: retain, properties: properties, waitForAcknowledgement: true)
    }

    /// Subscribes and returns the messages matching `filter` only; overlapping subscriptions each get their own
    /// copy. When connected, the SUBACK is awaited (throws `subscribeFailed` if refused). When not connected (yet),
    /// the subscription is registered and sent with the next CONNACK — use this for persistent sessions.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MQTTError) -> MQTTSubscription {
        try await core.subscribe(filter, qos: qos)
    }

    /// A new stream of connection events for each call (fan-out). Bounded: keeps the newest 128 undelivered
    /// events. Finishes on `disconnect()`.
    public var connectionEvents: AsyncStream<MQTTConnectionEvent> {
        core.makeEventStream()
    }

    public var isConnected: Bool {
        core.connectedFlag.load(ordering: .acquiring)
    }

    /// `publishAcknowledged` for callers that must not suspend (a NIO event loop handling a frame): queues a QoS 1
    /// message and calls `onAcknowledged` once, on the client's network thread, with the broker's answer (or
    /// `shutdown`). Keep the callback short: hop to your own executor. Never waits: when the in-flight window is
    /// full (or publishers are already waiting for it) nothing is queued and the answer is `.noSlot`, so that the
    /// caller can fall back to `publishAcknowledged` and feel the back-pressure there.
    ///
    /// `waitForSlot`: instead of `.noSlot`, the client keeps the message and publishes it (in order, after
    /// suspended publishers) once a slot frees: `.deferred`. The caller must bound how many it defers, since they
    /// wait in memory; the bridge defers at most one per charger, which waits for its answer meanwhile.
    public func tryPublishAcknowledged(_ topic: String, payload: [UInt8], retain: Bool = false, waitForSlot: Bool = false,
                                       onAcknowledged: @escaping @Sendable (Result<Void, MQTTError>) -> Void) -> TryPublishOutcome {
        core.tryPublishAcknowledged(topic, payload: payload, retain: retain, waitForSlot: waitForSlot, onAcknowledged: onAcknowledged)
    }

    /// QoS 0 without suspending. Like `publish` at QoS 0, fails with `notConnected` while disconnected.
    public func publishNow(_ topic: String, payload: [UInt8], retain: Bool = false) -> Result<Void, MQTTError> {
        core.publishNow(topic, payload: payload, retain: retain)
    }

    /// QoS 1 messages published but not yet acknowledged by the broker.
    public var pendingPublishes: Int {
        core.pendingPublishCount
    }
}
