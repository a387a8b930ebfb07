import CMosquitto
import Dispatch
import Logging
import Metrics
import Synchronization

/// The libmosquitto handle and all shared state of one `MQTTClient`.
///
/// Threading: `NetworkThread` runs the network loop on a thread of our own (poll(2), not libmosquitto's
/// select(2)-based loop, which cannot handle descriptors ≥ 1024) and libmosquitto calls the C callbacks there; the
/// callbacks find this object through the userdata pointer. All mutable state lives in `Mutex`es / atomics. The
/// handle is marked threaded, so libmosquitto's public calls (publish, subscribe, unsubscribe, disconnect) only
/// queue packets; each call site then wakes the network thread.
///
/// Lifetime: while the network thread runs it holds a +1 retain on this object (taken just before it starts,
/// released right after it is joined), so the userdata pointer stays valid.
/// `mosquitto_destroy` runs in `deinit`.
///
/// Lock order: a lock of this object may be held while calling into libmosquitto (publish/subscribe, so that a
/// PUBACK/SUBACK arriving immediately finds its waiter), and libmosquitto callbacks take these locks while holding
/// libmosquitto's callback mutex. libmosquitto never calls back while holding the locks that publish/subscribe
/// need, so this cannot deadlock. None of our locks is held while blocking on a full subscription buffer or while
/// joining the loop thread.
final class ClientCore: Sendable {
    nonisolated(unsafe) let mosq: OpaquePointer
    let configuration: MQTTConfiguration
    let logger: Logger
    let isV5: Bool
    let maxPendingPublishes: Int
    /// Publishers suspended by back-pressure resume once the backlog is down to this (maxPendingPublishes − 1/8).
    let lowWaterPendingPublishes: Int
    /// A problem found while applying the configuration (bad will topic, unreadable TLS file, ...); reported by connect().
    let configurationError: String?

    let network: NetworkThread
    let connectedFlag = Atomic<Bool>(false)
    let shutdownFlag = Atomic<Bool>(false)
    /// Cleared when the broker's CONNACK says it does not support subscription identifiers.
    let subscriptionIdentifiersAvailable = Atomic<Bool>(true)

    let connection = Mutex(ConnectionState())
    let publishes = Mutex(PublishState())
    let subscriptions = Mutex(SubscriptionRegistry())
    let events = Mutex(EventFanout())

    let messagesIn = Counter(label: "chargebus_mqtt_messages_in_total")
    let messagesOut = Counter(label: "chargebus_mqtt_messages_out_total")
    let reconnects = Counter(label: "chargebus_mqtt_reconnects_total")

    struct ConnectionState {
        /// idle → starting (first connect in progress) → running (connected once; libmosquitto reconnects) → shutdown.
        /// stopping: a first connect failed and the network thread is being stopped.
        enum Phase { case idle, starting, running, stopping, shutdown }
        var phase = Phase.idle
        /// mosquitto_connect_bind_v5 is running on a Dispatch thread.
        var startInFlight = false
        var loopRunning = false
        var everConnected = false
        var waiters: [ObjectIdentifier: OneShot<Result<Void, MQTTError>>] = [:]
        var lastError: String?
    }

    struct PublishState {
        var shutdown = false
        /// Slots taken: QoS 1 messages handed to libmosquitto and not yet acknowledged, plus slots just granted.
        var inUse = 0
        /// mid → who hears of the PUBACK: a `publishAcknowledged` waiter, a `tryPublishAcknowledged` callback, or
        /// nobody (plain `publish`).
        var pending: [Int32: AcknowledgementTarget] = [:]
        var slotWaiters = RingBuffer<OneShot<Result<Void, MQTTError>>>()
        /// `flush` callers, woken when nothing is pending any more.
        var drainWaiters: [OneShot<Result<Void, MQTTError>>] = []
        /// `tryPublishAcknowledged(waitForSlot: true)` messages that found the window full, published in order as
        /// slots free (after suspended publishers, which were first in line). Bounded by the callers: each has at
        /// most one message waiting here (the bridge: one per charger connection).
        var deferred = RingBuffer<DeferredPublish>()

        /// Returns a freed slot. Publishers held up by back-pressure are woken in batches, once the backlog fell to
        /// `lowWater`, instead of one thread wake-up per PUBACK. Each returned waiter now owns a slot; complete them
        /// (`grant`) after leaving the lock.
        mutating func releaseSlot(limit: Int, lowWater: Int) -> [OneShot<Result<Void, MQTTError>>] {
            inUse -= 1
            guard !slotWaiters.isEmpty, inUse <= lowWater else { return [] }
            var granted: [OneShot<Result<Void, MQTTError>>] = []
            while inUse < limit, let waiter = slotWaiters.popFirst() {
                inUse += 1
                granted.append(waiter)
            }
            return granted
        }
    }

    /// Wakes publishers that were given a slot. A popped waiter is no longer reachable for cancellation or
    /// shutdown, so this completion always wins.
    struct DeferredPublish {
        var topic: String
        var payload: [UInt8]
        var retain: Bool
        var onAcknowledged: @Sendable (Result<Void, MQTTError>) -> Void
    }

    /// Who is told that the broker acknowledged (or will never acknowledge) a QoS 1 message.
    enum AcknowledgementTarget {
        case nobody
        case waiter(OneShot<Result<Void, MQTTError>>)
        case callback(@Sendable (Result<Void, MQTTError>) -> Void)

        func complete(_ result: Result<Void, MQTTError>) {
            switch self {
            case .nobody: break
            case .waiter(let waiter): waiter.complete(result)
            case .callback(let callback): callback(result)
            }
        }
    }

    static func grant(_ waiters: [OneShot<Result<Void, MQTTError>>]) {
        for waiter in waiters {
            waiter.complete(.success(()))
        }
    }

    struct FilterEntry {
        let subscriptionIdentifier: UInt32
        var subscribers: [SubscriptionState]
        var qos: MQTTQoS
        /// Sent to a broker at least once: later resubscriptions ask for retained messages only if the
        /// broker lost the subscription (MQTT 5 retain handling 1), so a resumed session gets no duplicates.
        var subscribedOnce = false
    }

    struct SubscriptionRegistry {
        var connected = false
        var shutdown = false
        var entries: [String: FilterEntry] = [:]
        var filtersByIdentifier: [UInt32: [String]] = [:]
        var subackWaiters: [Int32: OneShot<Result<Void, MQTTError>>] = [:]
        /// mid → filter for SUBSCRIBEs sent on reconnect (for error reporting).
        var resubscriptions: [Int32: String] = [:]
        /// Filters cancelled while disconnected; a persistent session may still hold them at the broker.
        var staleFilters: Set<String> = []
    }

    struct EventFanout {
        var continuations: [Int: AsyncStream<MQTTConnectionEvent>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    init(configuration: MQTTConfiguration, logger: Logger) {
        _ = mosquittoLibraryInitialised
        var logger = logger
        logger[metadataKey: "mqtt.client_id"] = .string(configuration.clientID)
        self.configuration = configuration
        self.isV5 = configuration.protocolVersion == .v5
        self.maxPendingPublishes = min(max(configuration.maxPendingPublishes, 1), 60_000)
        self.lowWaterPendingPublishes = maxPendingPublishes - max(1, maxPendingPublishes / 8)

        var problems: [String] = []
        var cleanStart = configuration.cleanStart
        if configuration.clientID.isEmpty && !cleanStart {
            problems.append("a persistent session (cleanStart = false) needs a non-empty client id")
            cleanStart = true
        }
        let clientID: String? = configuration.clientID.isEmpty ? nil : configuration.clientID
        let created: OpaquePointer? =
            if let clientID {
                clientID.withCString { mosquitto_new($0, cleanStart, nil) }
            } else {
                mosquitto_new(nil, cleanStart, nil)
            }
        guard let created else {
            fatalError("mosquitto_new failed for client id '\(configuration.clientID)' (errno \(currentErrno()))")
        }
        self.mosq = created

        let inflight = Int32(min(max(configuration.maxInflightMessages, 1), 65_535))
        _ = mosquitto_int_option(created, MOSQ_OPT_PROTOCOL_VERSION, isV5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311)
        _ = mosquitto_int_option(created, MOSQ_OPT_SEND_MAXIMUM, inflight)
        _ = mosquitto_int_option(created, MOSQ_OPT_RECEIVE_MAXIMUM, inflight)
        _ = mosquitto_int_option(created, MOSQ_OPT_TCP_NODELAY, 1)
        let delayMin = UInt32(max(configuration.reconnectDelayMin, 1))
        let delayMax = UInt32(max(configuration.reconnectDelayMax, Int(delayMin)))
        _ = mosquitto_reconnect_delay_set(created, delayMin, delayMax, true)
        _ = mosquitto_threaded_set(created, true)
        self.network = NetworkThread(mosq: created, reconnectDelayMin: Int(delayMin), reconnectDelayMax: Int(delayMax))

        if let username = configuration.username {
            let rc = mosquitto_username_pw_set(created, username, configuration.password)
            if rc != Mosq.success { problems.append("credentials rejected by libmosquitto: \(Mosq.describe(rc))") }
        }
        if let will = configuration.will {
            let rc = will.payload.withUnsafeBytes { payload in
                mosquitto_will_set(created, will.topic, Int32(payload.count), payload.baseAddress, will.qos.rawValue, will.retain)
            }
            if rc != Mosq.success { problems.append("invalid last will (topic '\(will.topic)'): \(Mosq.describe(rc))") }
        }
        if let tls = configuration.tls {
            if let problem = Self.applyTLS(tls, to: created) { problems.append(problem) }
        }
        self.configurationError = problems.isEmpty ? nil : problems.joined(separator: "; ")
        self.logger = logger

        mosquitto_user_data_set(created, Unmanaged.passUnretained(self).toOpaque())
        Self.installCallbacks(on: created, logging: logger.logLevel <= .debug)
    }

    deinit {
        mosquitto_destroy(mosq)
    }

    private static func applyTLS(_ tls: MQTTTLSConfiguration, to mosq: OpaquePointer) -> String? {
        var caPath = tls.caPath
        if tls.caFile == nil && caPath == nil {
            // System CA store. Setting this option alone enables TLS in libmosquitto 2.0; mosquitto_tls_set
            // (needed only for a client certificate) still insists on a CA file or directory in 2.0.11.
            let rc = mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
            if rc != Mosq.success { return "TLS: cannot use the system CA store: \(Mosq.describe(rc))" }
            if tls.certFile != nil || tls.keyFile != nil { caPath = "/etc/ssl/certs" }
        }
        if tls.caFile != nil || caPath != nil {
            let rc = mosquitto_tls_set(mosq, tls.caFile, caPath, tls.certFile, tls.keyFile, nil)
            if rc != Mosq.success {
                return "TLS setup failed (CA file/path, certificate and key must be readable; certificate and key go together): \(Mosq.describe(rc))"
            }
        }
        if tls.insecureSkipVerify {
            _ = mosquitto_tls_opts_set(mosq, 0 /* SSL_VERIFY_NONE */, nil, nil)
            _ = mosquitto_tls_insecure_set(mosq, true)
        }
        return nil
    }

    static func from(_ userdata: UnsafeMutableRawPointer?) -> ClientCore? {
        guard let userdata else { return nil }
        return Unmanaged<ClientCore>.fromOpaque(userdata).takeUnretainedValue()
    }

    private static func installCallbacks(on mosq: OpaquePointer, logging: Bool) {
        mosquitto_connect_v5_callback_set(mosq) { _, userdata, rc, flags, properties in
            ClientCore.from(userdata)?.handleConnect(rc: rc, flags: flags, properties: properties)
        }
        mosquitto_disconnect_v5_callback_set(mosq) { _, userdata, rc, _ in
            ClientCore.from(userdata)?.handleDisconnect(rc: rc)
        }
        mosquitto_publish_v5_callback_set(mosq) { _, userdata, mid, reasonCode, _ in
            ClientCore.from(userdata)?.handlePublished(mid: mid, reasonCode: reasonCode)
        }
        mosquitto_message_v5_callback_set(mosq) { _, userdata, message, properties in
            guard let message else { return }
            ClientCore.from(userdata)?.handleMessage(message, properties: properties)
        }
        mosquitto_subscribe_v5_callback_set(mosq) { _, userdata, mid, count, granted, _ in
            ClientCore.from(userdata)?.handleSubscribed(mid: mid, count: count, granted: granted)
        }
        if logging {
            mosquitto_log_callback_set(mosq) { _, userdata, level, text in
                guard let core = ClientCore.from(userdata), let text else { return }
                let severe = level & Int32(MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0
                core.logger.log(level: severe ? .warning : .trace, "libmosquitto: \(String(cString: text))")
            }
        }
    }

    // MARK: - Connect / disconnect

    func connect(timeout: Duration) async throws(MQTTError) {
        if let configurationError {
            throw .connectionFailed(configurationError)
        }
        let waiter = OneShot<Result<Void, MQTTError>>()
        let start: Bool? = try connection.withLock { (state) throws(MQTTError) -> Bool? in
            if state.phase == .shutdown { throw .shutdown }
            if state.phase == .running && connectedFlag.load(ordering: .acquiring) { return nil }
            state.waiters[ObjectIdentifier(waiter)] = waiter
            guard state.phase == .idle else { return false }
            state.phase = .starting
            state.lastError = nil
            // An abandoned attempt (its connect() timed out) may still be in mosquitto_connect; it picks us up.
            guard !state.startInFlight else { return false }
            state.startInFlight = true
            return true
        }
        guard let mustStart = start else { return }  // already connected
        defer {
            _ = connection.withLock { $0.waiters.removeValue(forKey: ObjectIdentifier(waiter)) }
        }
        if mustStart {
            // mosquitto_connect_bind_v5 blocks (DNS, TCP connect, TLS handshake): run it on a Dispatch thread,
            // so that neither the cooperative pool is blocked nor the timeout below is delayed.
            DispatchQueue.global().async { self.startNetwork() }
        }

        let nanoseconds = max(0, timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let target = "\(configuration.host):\(configuration.port)"
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds))) { [weak self] in
            let lastError = self?.connection.withLock { $0.lastError }
            waiter.complete(.failure(.connectionFailed(
                "not connected to \(target) within \(timeout)" + (lastError.map { " (last error: \($0))" } ?? ""))))
        }
        let result = await waiter.wait { waiter.complete(.failure(.cancelled)) }
        switch result {
        case .success:
            return
        case .failure(let error):
            // Never connected and nobody else waiting: give up, so a refused/unreachable client does not retry forever.
            let stop = connection.withLock { state -> Bool in
                guard state.phase == .starting, !state.everConnected, state.waiters.count <= 1 else { return false }
                if state.startInFlight {
                    state.phase = .idle  // still inside mosquitto_connect: startNetwork() sees this and gives up
                    return false
                }
                state.phase = .stopping
                return true
            }
            if stop {
                await runDetached { self.stopNetwork() }
                // connect() calls that arrived meanwhile waited for this stop: start a fresh attempt for them.
                let restart = connection.withLock { state -> Bool in
                    guard state.phase == .stopping else { return false }
                    state.waiters.removeValue(forKey: ObjectIdentifier(waiter))
                    guard !state.waiters.isEmpty else {
                        state.phase = .idle
                        return false
                    }
                    state.phase = .starting
                    state.startInFlight = true
                    return true
                }
                if restart {
                    DispatchQueue.global().async { self.startNetwork() }
                }
            }
            throw error
        }
    }

    /// Runs on a Dispatch thread: the blocking connect, then the loop thread (which retries with backoff).
    private func startNetwork() {
        let host = configuration.host
        let port = Int32(clamping: configuration.port)
        let keepAlive = Int32(clamping: max(configuration.keepAliveSeconds, 5))
        var properties = PropertyList()
        defer { properties.free() }
        if isV5 && configuration.sessionExpirySeconds > 0 {
            _ = properties.addInt32(Mosq.sessionExpiryInterval, configuration.sessionExpirySeconds)
        }
        let rc = mosquitto_connect_bind_v5(mosq, host, port, keepAlive, nil, properties.pointer)
        let description = Mosq.describe(rc)
        let transient = [Mosq.success, Mosq.errnoError, Mosq.connectionLost, Mosq.noConnection, Mosq.timeout, Mosq.tlsHandshake]
        let failure: MQTTError? =
            if transient.contains(rc) { nil }
            else { .connectionFailed(rc == Mosq.lookupFailed ? "cannot resolve host '\(host)'" : description) }

        enum Outcome { case started, abandoned, failed([OneShot<Result<Void, MQTTError>>]) }
        let outcome: Outcome = connection.withLock { state in
            state.startInFlight = false
            if rc != Mosq.success { state.lastError = description }
            guard state.phase == .starting else { return .abandoned }  // shut down, or every connect() gave up
            if failure != nil {
                state.phase = .idle
                return .failed(Array(state.waiters.values))
            }
            _ = Unmanaged.passRetained(self)  // balanced in stopNetwork()
            network.start()
            state.loopRunning = true
            return .started
        }
        switch outcome {
        case .started:
            if rc != Mosq.success {
                logger.warning("MQTT broker \(host):\(port) not reachable yet (\(description)); retrying with backoff")
            }
        case .abandoned:
            _ = mosquitto_disconnect(mosq)
        case .failed(let waiters):
            let error = failure ?? .connectionFailed(connection.withLock { $0.lastError } ?? description)
            logger.error("MQTT connect to \(host):\(port) failed: \(error)")
            _ = mosquitto_disconnect(mosq)
            for waiter in waiters { waiter.complete(.failure(error)) }
        }
    }

    /// Sends DISCONNECT (so no will is published), joins the loop thread and drops its retain. Blocking.
    /// Must not be called with any of our locks held nor on the loop thread.
    func stopNetwork() {
        let wasRunning = connection.withLock { state in
            let running = state.loopRunning
            state.loopRunning = false
            return running
        }
        guard wasRunning else { return }
        _ = mosquitto_disconnect_v5(mosq, Int32(MQTT_RC_NORMAL_DISCONNECTION.rawValue), nil)
        network.stop()
        connectedFlag.store(false, ordering: .releasing)
        Unmanaged.passUnretained(self).release()
    }

    /// Shutdown, phase 1: refuse new work and wake every connect/subscribe/publish waiter. Subscriptions stop
    /// applying back-pressure (so the network thread cannot block on a full buffer while it is being joined) but keep
    /// receiving: libmosquitto acknowledges a QoS 1 message before handing it over, so dropping it here would lose it
    /// for good. Returns false if shutdown had already begun.
    private func beginShutdown() -> Bool {
        let connectWaiters: [OneShot<Result<Void, MQTTError>>]? = connection.withLock { state in
            guard state.phase != .shutdown else { return nil }
            state.phase = .shutdown
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        guard let connectWaiters else { return false }
        shutdownFlag.store(true, ordering: .releasing)
        for waiter in connectWaiters { waiter.complete(.failure(.shutdown)) }

        let (states, subackWaiters) = subscriptions.withLock { registry in
            registry.shutdown = true
            let waiters = Array(registry.subackWaiters.values)
            registry.subackWaiters.removeAll()
            return (registry.entries.values.flatMap(\.subscribers), waiters)
        }
        for state in states { state.stopBackPressure() }
        for waiter in subackWaiters { waiter.complete(.failure(.shutdown)) }

        let (publishWaiters, acknowledgementTargets, slotFree) = publishes.withLock { state in
            state.shutdown = true
            var waiters = state.slotWaiters.removeAll()
            waiters.append(contentsOf: state.drainWaiters)
            let targets = Array(state.pending.values)
            state.drainWaiters.removeAll()
            state.pending.removeAll()
            return (waiters, targets, state.deferred.removeAll())
        }
        for waiter in publishWaiters { waiter.complete(.failure(.shutdown)) }
        for target in acknowledgementTargets { target.complete(.failure(.shutdown)) }
        for message in slotFree { message.onAcknowledged(.failure(.shutdown)) }
        return true
    }

    /// Shutdown, phase 2 (network thread stopped): end every subscription after what it buffered, and the event streams.
    private func finishShutdown() {
        let states = subscriptions.withLock { registry in
            let states = registry.entries.values.flatMap(\.subscribers)
            registry.entries.removeAll()
            registry.filtersByIdentifier.removeAll()
            return states
        }
        for state in states { state.finish(discardBuffered: false) }
        let continuations = events.withLock { fanout in
            fanout.finished = true
            let all = Array(fanout.continuations.values)
            fanout.continuations.removeAll()
            return all
        }
        for continuation in continuations { continuation.finish() }
    }

    func shutdown() async {
        guard beginShutdown() else { return }
        await runDetached { self.stopNetwork() }
        finishShutdown()
        logger.info("MQTT client disconnected")
    }

    /// Synchronous variant for `MQTTClient.deinit`.
    func shutdownSync() {
        guard beginShutdown() else { return }
        stopNetwork()
        finishShutdown()
    }

    /// Waits until every QoS 1 message published so far is acknowledged. False on timeout.
    func flush(timeout: Duration) async -> Bool {
        let waiter = OneShot<Result<Void, MQTTError>>()
        let done: Bool = publishes.withLock { state in
            if state.pending.isEmpty { return true }
            state.drainWaiters.append(waiter)
            return false
        }
        if done { return true }
        let nanoseconds = max(0, timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds))) {
            waiter.complete(.failure(.cancelled))
        }
        let result = await waiter.wait { waiter.complete(.failure(.cancelled)) }
        publishes.withLock { state in
            if let index = state.drainWaiters.firstIndex(where: { $0 === waiter }) {
                state.drainWaiters.remove(at: index)
            }
        }
        if case .success = result { return true }
        return false
    }

    // MARK: - Callbacks (libmosquitto thread)

    private func handleConnect(rc: Int32, flags: Int32, properties: OpaquePointer?) {
        guard rc == 0 else {
            let reason = Mosq.connack(rc, v5: isV5)
            logger.error("MQTT broker refused the connection: \(reason)")
            let waiters = connection.withLock { state in
                state.lastError = reason
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.complete(.failure(.connectionFailed("broker refused the connection: \(reason)"))) }
            return
        }
        let sessionPresent = flags & 1 != 0
        if isV5 {
            var available: UInt8 = 1
            if mosquitto_property_read_byte(properties, Mosq.subscriptionIdentifierAvailable, &available, false) != nil {
                subscriptionIdentifiersAvailable.store(available != 0, ordering: .relaxed)
            }
        }
        let connected: (first: Bool, waiters: [OneShot<Result<Void, MQTTError>>])? = connection.withLock { state in
            // While stopping after a failed first connect the loop is about to be stopped: ignore a late CONNACK.
            guard state.phase == .starting || state.phase == .running else { return nil }
            let first = !state.everConnected
            state.everConnected = true
            state.lastError = nil
            state.phase = .running
            return (first, Array(state.waiters.values))
        }
        guard let (first, waiters) = connected else { return }
        connectedFlag.store(true, ordering: .releasing)
        network.connectedSinceLastAttempt.store(true, ordering: .releasing)
        if !first { reconnects.increment() }
        logger.info("MQTT connected to \(configuration.host):\(configuration.port)", metadata: [
            "mqtt.session_present": "\(sessionPresent)",
        ])
        resubscribeAll()
        emit(.connected(sessionPresent: sessionPresent))
        for waiter in waiters { waiter.complete(.success(())) }
    }

    private func handleDisconnect(rc: Int32) {
        connectedFlag.store(false, ordering: .releasing)
        let subackWaiters = subscriptions.withLock { registry in
            registry.connected = false
            registry.resubscriptions.removeAll()
            let waiters = Array(registry.subackWaiters.values)
            registry.subackWaiters.removeAll()
            return waiters
        }
        // Those subscriptions stay registered and are sent again on reconnect.
        for waiter in subackWaiters { waiter.complete(.success(())) }
        let reason: String =
            if rc == 0 { "disconnected by client" }
            else if rc >= 0x80 { Mosq.reason(rc) }
            else { Mosq.describe(rc) }
        if rc == 0 || shutdownFlag.load(ordering: .acquiring) {
            logger.debug("MQTT connection closed: \(reason)")
        } else {
            logger.warning("MQTT connection lost: \(reason); reconnecting with backoff")
            connection.withLock { $0.lastError = reason }
        }
        emit(.disconnected(reason: reason))
    }

    private func handlePublished(mid: Int32, reasonCode: Int32) {
        // Called for PUBACKs (QoS 1) and for QoS 0 messages written to the socket; the latter are not tracked.
        let (target, granted, refused): (AcknowledgementTarget?, [OneShot<Result<Void, MQTTError>>], [(DeferredPublish, MQTTError)]) =
            publishes.withLock { state in
                guard let entry = state.pending.removeValue(forKey: mid) else { return (nil, [], []) }
                var wake = state.releaseSlot(limit: maxPendingPublishes, lowWater: lowWaterPendingPublishes)
                if state.pending.isEmpty && !state.drainWaiters.isEmpty {
                    wake.append(contentsOf: state.drainWaiters)
                    state.drainWaiters.removeAll()
                }
                return (entry, wake, publishDeferred(&state))
            }
        Self.grant(granted)
        for (message, error) in refused { message.onAcknowledged(.failure(error)) }
        guard let target else { return }
        if reasonCode >= 0x80 {
            let reason = Mosq.reason(reasonCode)
            logger.warning("MQTT broker rejected a QoS 1 publish: \(reason)")
            target.complete(.failure(.publishFailed("broker rejected the message: \(reason)")))
        } else {
            target.complete(.success(()))
        }
    }

    private func handleSubscribed(mid: Int32, count: Int32, granted: UnsafePointer<Int32>?) {
        let failure: Int32? = {
            guard let granted, count > 0 else { return nil }
            for index in 0..<Int(count) where granted[index] >= 0x80 {
                return granted[index]
            }
            return nil
        }()
        let (waiter, resubscribedFilter) = subscriptions.withLock { registry in
            (registry.subackWaiters.removeValue(forKey: mid), registry.resubscriptions.removeValue(forKey: mid))
        }
        if let failure {
            let reason = isV5 ? Mosq.reason(failure) : "failure (0x\(String(failure, radix: 16)))"
            if let resubscribedFilter {
                logger.error("MQTT broker refused resubscription", metadata: ["mqtt.topic": "\(resubscribedFilter)", "mqtt.reason": "\(reason)"])
            }
            waiter?.complete(.failure(.subscribeFailed("broker refused the subscription: \(reason)")))
        } else {
            waiter?.complete(.success(()))
        }
    }

    private func handleMessage(_ message: UnsafePointer<mosquitto_message>, properties: OpaquePointer?) {
        messagesIn.increment()
        let raw = message.pointee
        guard let topicPointer = raw.topic else { return }
        let received = properties == nil ? ReceivedProperties() : ReceivedProperties(properties)
        let targets = subscriptions.withLock { registry in
            registry.targets(topic: topicPointer, subscriptionIdentifiers: received.subscriptionIdentifiers)
        }
        let topic = String(cString: topicPointer)
        guard !targets.isEmpty else {
            logger.debug("MQTT message matches no active subscription; dropped", metadata: ["mqtt.topic": "\(topic)"])
            return
        }
        let payload: [UInt8] =
            if let bytes = raw.payload, raw.payloadlen > 0 {
                Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
            } else {
                []
            }
        let delivered = MQTTMessage(
            topic: topic,
            payload: payload,
            qos: raw.qos == 0 ? .atMostOnce : .atLeastOnce,
            retain: raw.retain,
            properties: received.properties
        )
        if logger.logLevel <= .trace {
            logger.trace("MQTT message received", metadata: ["mqtt.topic": "\(topic)", "mqtt.bytes": "\(payload.count)"])
        }
        for target in targets {
            target.deliver(delivered)
        }
    }

    // MARK: - Events

    private func emit(_ event: MQTTConnectionEvent) {
        let continuations = events.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(event) }
    }

    func makeEventStream() -> AsyncStream<MQTTConnectionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: MQTTConnectionEvent.self, bufferingPolicy: .bufferingNewest(128))
        let id: Int? = events.withLock { fanout in
            guard !fanout.finished else { return nil }
            fanout.nextID += 1
            fanout.continuations[fanout.nextID] = continuation
            return fanout.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.events.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: - Publish

    private func mapPublishError(_ rc: Int32, topic: String) -> MQTTError {
        switch rc {
        case Mosq.noConnection: .notConnected
        case Mosq.invalid, Mosq.malformedUTF8: .invalidTopic(topic)
        default: .publishFailed(Mosq.describe(rc))
        }
    }

    /// Calls mosquitto_publish_v5. Returns the libmosquitto result and the message id.
    private func rawPublish(_ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: OpaquePointer?) -> (Int32, Int32) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(mosq, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos.rawValue, retain, properties)
        }
        network.wake()
        return (rc, mid)
    }

    nonisolated(nonsending) func publish(
        _ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: MQTTProperties, waitForAcknowledgement: Bool
    ) async throws(MQTTError) {
        guard !shutdownFlag.load(ordering: .relaxed) else { throw .shutdown }
        guard payload.count <= Int(MQTT_MAX_PAYLOAD) else { throw .publishFailed("payload of \(payload.count) bytes is too large") }
        var propertyList = PropertyList()
        defer { propertyList.free() }
        if isV5 && !properties.isEmpty {
            if let problem = propertyList.addPublishProperties(properties) {
                throw .publishFailed("invalid MQTT 5 properties: \(problem)")
            }
        }

        if qos == .atMostOnce {
            // QoS 0 is fire-and-forget: never queue it for a later connection (a threaded libmosquitto handle
            // would accept it while disconnected and send it, stale, after the reconnect).
            guard connectedFlag.load(ordering: .acquiring) else { throw .notConnected }
            let (rc, _) = rawPublish(topic, payload: payload, qos: qos, retain: retain, properties: propertyList.pointer)
            guard rc == Mosq.success else { throw mapPublishError(rc, topic: topic) }
            messagesOut.increment()
            return
        }

        enum Attempt {
            case published(OneShot<Result<Void, MQTTError>>?)
            case waitForSlot(OneShot<Result<Void, MQTTError>>)
            case failed(MQTTError, granted: [OneShot<Result<Void, MQTTError>>])
        }
        var haveSlot = false
        while true {
            let listPointer = propertyList.pointer
            let attempt: Attempt = publishes.withLock { state in
                if state.shutdown {
                    return .failed(.shutdown, granted: [])
                }
                if !haveSlot {
                    if state.inUse >= maxPendingPublishes || !state.slotWaiters.isEmpty {
                        let waiter = OneShot<Result<Void, MQTTError>>()
                        state.slotWaiters.append(waiter)
                        return .waitForSlot(waiter)
                    }
                    state.inUse += 1
                }
                // The lock is held across the call so that a PUBACK, processed on the loop thread, always finds
                // the entry. libmosquitto 2.0.11 returns MOSQ_ERR_NO_CONN for a QoS > 0 message while
                // disconnected *after* queueing it (the queued message is sent after reconnect), so NO_CONN
                // counts as success here: reporting it as an error would make callers retry and duplicate it.
                let (rc, mid) = rawPublish(topic, payload: payload, qos: qos, retain: retain, properties: listPointer)
                guard rc == Mosq.success || rc == Mosq.noConnection else {
                    let granted = state.releaseSlot(limit: maxPendingPublishes, lowWater: lowWaterPendingPublishes)
                    return .failed(mapPublishError(rc, topic: topic), granted: granted)
                }
                let ackWaiter = waitForAcknowledgement ? OneShot<Result<Void, MQTTError>>() : nil
                if state.pending.updateValue(ackWaiter.map { .waiter($0) } ?? .nobody, forKey: mid) != nil {
                    // More than 65535 messages outstanding: libmosquitto reused an id. Cannot happen with the
                    // pending limit capped below that, but never leak the slot accounting if it does.
                    state.inUse -= 1
                }
                return .published(ackWaiter)
            }
            switch attempt {
            case .failed(let error, let granted):
                Self.grant(granted)
                throw error
            case .waitForSlot(let waiter):
                let granted = await waiter.wait { [self] in
                    let removed = publishes.withLock { state in
                        state.slotWaiters.removeFirst(where: { $0 === waiter }) != nil
                    }
                    if removed { waiter.complete(.failure(.cancelled)) }
                }
                try granted.get()
                haveSlot = true
            case .published(let ackWaiter):
                messagesOut.increment()
                if logger.logLevel <= .trace {
                    logger.trace("MQTT message queued", metadata: ["mqtt.topic": "\(topic)", "mqtt.bytes": "\(payload.count)"])
                }
                guard let ackWaiter else { return }
                try await ackWaiter.wait { ackWaiter.complete(.failure(.cancelled)) }.get()
                return
            }
        }
    }

    var pendingPublishCount: Int {
        publishes.withLock { $0.inUse }
    }

    /// QoS 1 without suspending: queues the message and calls `onAcknowledged` (on the network thread) with the
    /// broker's PUBACK, a rejection, or `shutdown`. When every slot is taken, or publishers are already queued
    /// for one, nothing is sent and the answer is `.noSlot`: the caller then takes its suspending path, so
    /// back-pressure still applies and order among publishers is kept.
    func tryPublishAcknowledged(_ topic: String, payload: [UInt8], retain: Bool, waitForSlot: Bool = false,
                                onAcknowledged: @escaping @Sendable (Result<Void, MQTTError>) -> Void) -> TryPublishOutcome {
        guard !shutdownFlag.load(ordering: .relaxed) else { return .failed(.shutdown) }
        guard payload.count <= Int(MQTT_MAX_PAYLOAD) else { return .failed(.publishFailed("payload of \(payload.count) bytes is too large")) }
        let (outcome, granted): (TryPublishOutcome, [OneShot<Result<Void, MQTTError>>]) = publishes.withLock { state in
            if state.shutdown { return (.failed(.shutdown), []) }
            if state.inUse >= maxPendingPublishes || !state.slotWaiters.isEmpty || !state.deferred.isEmpty {
                guard waitForSlot else { return (.noSlot, []) }
                state.deferred.append(DeferredPublish(topic: topic, payload: payload, retain: retain, onAcknowledged: onAcknowledged))
                return (.deferred, [])
            }
            state.inUse += 1
            // Under the lock for the same reason as in `publish`: the PUBACK must find the entry.
            let (rc, mid) = rawPublish(topic, payload: payload, qos: .atLeastOnce, retain: retain, properties: nil)
            guard rc == Mosq.success || rc == Mosq.noConnection else {
                let granted = state.releaseSlot(limit: maxPendingPublishes, lowWater: lowWaterPendingPublishes)
                return (.failed(mapPublishError(rc, topic: topic)), granted)
            }
            if state.pending.updateValue(.callback(onAcknowledged), forKey: mid) != nil { state.inUse -= 1 }
            return (.queued, [])
        }
        Self.grant(granted)
        if case .queued = outcome {
            messagesOut.increment()
        }
        return outcome
    }

    /// Publishes deferred messages into the slots that are free, once no suspended publisher is waiting for one.
    /// Runs under the lock (the PUBACK must find the entry); returns the messages libmosquitto refused, to be
    /// told outside the lock.
    private func publishDeferred(_ state: inout PublishState) -> [(DeferredPublish, MQTTError)] {
        var refused: [(DeferredPublish, MQTTError)] = []
        while state.slotWaiters.isEmpty, state.inUse < maxPendingPublishes, let message = state.deferred.popFirst() {
            let (rc, mid) = rawPublish(message.topic, payload: message.payload, qos: .atLeastOnce, retain: message.retain, properties: nil)
            guard rc == Mosq.success || rc == Mosq.noConnection else {
                refused.append((message, mapPublishError(rc, topic: message.topic)))
                continue
            }
            state.inUse += 1
            messagesOut.increment()
            if state.pending.updateValue(.callback(message.onAcknowledged), forKey: mid) != nil { state.inUse -= 1 }
        }
        return refused
    }

    /// QoS 0 without suspending; like `publish`, only while connected.
    func publishNow(_ topic: String, payload: [UInt8], retain: Bool) -> Result<Void, MQTTError> {
        guard !shutdownFlag.load(ordering: .relaxed) else { return .failure(.shutdown) }
        guard payload.count <= Int(MQTT_MAX_PAYLOAD) else { return .failure(.publishFailed("payload of \(payload.count) bytes is too large")) }
        guard connectedFlag.load(ordering: .acquiring) else { return .failure(.notConnected) }
        let (rc, _) = rawPublish(topic, payload: payload, qos: .atMostOnce, retain: retain, properties: nil)
        guard rc == Mosq.success else { return .failure(mapPublishError(rc, topic: topic)) }
        messagesOut.increment()
        return .success(())
    }

    // MARK: - Subscribe

    private func sendSubscribe(_ filter: String, qos: MQTTQoS, identifier: UInt32, retainHandling: Int32) -> (Int32, Int32) {
        var properties = PropertyList()
        defer { properties.free() }
        if isV5 && subscriptionIdentifiersAvailable.load(ordering: .relaxed) {
            _ = properties.addVarint(Mosq.subscriptionIdentifier, identifier)
        }
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_v5(mosq, &mid, filter, qos.rawValue, isV5 ? retainHandling : 0, properties.pointer)
        network.wake()
        return (rc, mid)
    }

    /// On the loop thread, from the CONNACK callback: re-sends every live subscription (and drops stale ones).
    private func resubscribeAll() {
        subscriptions.withLock { registry in
            registry.connected = true
            for filter in registry.staleFilters where registry.entries[filter] == nil {
                _ = mosquitto_unsubscribe_v5(mosq, nil, filter, nil)
            }
            registry.staleFilters.removeAll()
            for filter in Array(registry.entries.keys) {
                guard var entry = registry.entries[filter] else { continue }
                let handling = entry.subscribedOnce ? Mosq.sendRetainNew : Mosq.sendRetainAlways
                let (rc, mid) = sendSubscribe(filter, qos: entry.qos, identifier: entry.subscriptionIdentifier, retainHandling: handling)
                if rc == Mosq.success {
                    registry.resubscriptions[mid] = filter
                    entry.subscribedOnce = true
                    registry.entries[filter] = entry
                    logger.debug("MQTT subscribing", metadata: ["mqtt.topic": "\(filter)"])
                } else {
                    logger.error("MQTT resubscription failed: \(Mosq.describe(rc))", metadata: ["mqtt.topic": "\(filter)"])
                }
            }
        }
    }

    func subscribe(_ filter: String, qos: MQTTQoS) async throws(MQTTError) -> MQTTSubscription {
        guard !filter.isEmpty, filter.withCString({ mosquitto_sub_topic_check($0) }) == Mosq.success else {
            throw .invalidTopic(filter)
        }
        let state = SubscriptionState(filter: filter, qos: qos, capacity: configuration.subscriptionBufferSize)
        let waiter = OneShot<Result<Void, MQTTError>>()
        let outcome: Result<Bool, MQTTError> = subscriptions.withLock { registry in
            guard !registry.shutdown else { return .failure(.shutdown) }
            var entry: FilterEntry
            if let existing = registry.entries[filter] {
                entry = existing
            } else {
                let identifier = stableSubscriptionIdentifier(for: filter)
                registry.filtersByIdentifier[identifier, default: []].append(filter)
                entry = FilterEntry(subscriptionIdentifier: identifier, subscribers: [], qos: qos)
            }
            entry.subscribers.append(state)
            entry.qos = max(entry.qos, qos)
            registry.staleFilters.remove(filter)
            defer { registry.entries[filter] = entry }
            guard registry.connected else {
                return .success(false)  // sent from the CONNACK callback
            }
            // A new local subscriber wants the retained messages, even if the broker already has the subscription.
            let (rc, mid) = sendSubscribe(filter, qos: entry.qos, identifier: entry.subscriptionIdentifier, retainHandling: Mosq.sendRetainAlways)
            if rc == Mosq.success {
                entry.subscribedOnce = true
                registry.subackWaiters[mid] = waiter
                return .success(true)
            }
            if rc == Mosq.noConnection {
                return .success(false)  // connection just dropped: sent again on reconnect
            }
            return .failure(.subscribeFailed(Mosq.describe(rc)))
        }
        let handle = SubscriptionHandle(state: state, core: self)
        switch outcome {
        case .failure(let error):
            handle.cancel()
            throw error
        case .success(false):
            logger.debug("MQTT subscription registered; subscribing when connected", metadata: ["mqtt.topic": "\(filter)"])
        case .success(true):
            let result = await waiter.wait { waiter.complete(.failure(.cancelled)) }
            if case .failure(let error) = result {
                handle.cancel()
                throw error
            }
            logger.debug("MQTT subscribed", metadata: ["mqtt.topic": "\(filter)"])
        }
        return MQTTSubscription(handle: handle)
    }

    /// Removes a local subscription; unsubscribes at the broker when it was the last one for its filter.
    func removeSubscription(_ state: SubscriptionState) {
        subscriptions.withLock { registry in
            let filter = state.filter
            guard var entry = registry.entries[filter],
                  let index = entry.subscribers.firstIndex(where: { $0 === state })
            else { return }
            entry.subscribers.remove(at: index)
            guard entry.subscribers.isEmpty else {
                registry.entries[filter] = entry
                return
            }
            registry.entries[filter] = nil
            registry.filtersByIdentifier[entry.subscriptionIdentifier]?.removeAll { $0 == filter }
            if registry.filtersByIdentifier[entry.subscriptionIdentifier]?.isEmpty == true {
                registry.filtersByIdentifier[entry.subscriptionIdentifier] = nil
            }
            let rc = registry.connected ? mosquitto_unsubscribe_v5(mosq, nil, filter, nil) : Mosq.noConnection
            network.wake()
            if rc != Mosq.success && entry.subscribedOnce {
                registry.staleFilters.insert(filter)
            }
            logger.debug("MQTT unsubscribed", metadata: ["mqtt.topic": "\(filter)"])
        }
        state.finish(discardBuffered: true)
    }

    // MARK: - Test hooks

    /// Kills the TCP connection without DISCONNECT (the broker publishes the will; the client reconnects).
    func simulateConnectionLoss() {
        let socket = mosquitto_socket(mosq)
        if socket >= 0 {
            _ = chargebus_socket_shutdown(socket)
        }
    }
}

extension ClientCore.SubscriptionRegistry {
    /// The local subscriptions a received message goes to. With MQTT 5 subscription identifiers each received copy
    /// goes to the subscriptions whose filter the broker named (brokers may send one copy per matching subscription);
    /// without identifiers (3.1.1) every subscription whose filter matches the topic gets it.
    func targets(topic: UnsafePointer<CChar>, subscriptionIdentifiers: [UInt32]) -> [SubscriptionState] {
        var result: [SubscriptionState] = []
        if subscriptionIdentifiers.isEmpty {
            for (filter, entry) in entries where Self.matches(filter, topic) {
                result.append(contentsOf: entry.subscribers)
            }
            return result
        }
        var seen: [String] = []
        for identifier in subscriptionIdentifiers {
            for filter in filtersByIdentifier[identifier] ?? [] where !seen.contains(filter) {
                seen.append(filter)
                if let entry = entries[filter], Self.matches(filter, topic) {
                    result.append(contentsOf: entry.subscribers)
                }
            }
        }
        return result
    }

    static func matches(_ filter: String, _ topic: UnsafePointer<CChar>) -> Bool {
        var result = false
        let rc = filter.withCString { mosquitto_topic_matches_sub($0, topic, &result) }
        return rc == Mosq.success && result
    }
}

/// Runs blocking work (libmosquitto connect / loop_stop) on a Dispatch thread instead of the cooperative pool.
func runDetached<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: body())
        }
    }
}
