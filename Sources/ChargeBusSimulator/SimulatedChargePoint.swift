import ChargeBusContract
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// Per-charger settings (derived from `SimulatorConfiguration` by `Simulator`, or built directly in tests).
public struct ChargePointSettings: Sendable {
    public var endpoint: CSMSEndpoint
    /// HTTP Basic password (security profile 1); nil connects without an Authorization header.
    public var password: String?
    /// Forces the heartbeat interval instead of the one in the BootNotification response.
    public var heartbeatOverride: Duration?
    /// MeterValues period while charging (MeterValueSampleInterval; the CSMS may change it).
    public var meterInterval: Duration
    /// Mean session length (each session draws 70–130 % of it; a DC session also ends when the battery is full).
    public var sessionDuration: Duration
    /// Mean idle time between sessions on a connector (each gap draws 50–150 % of it).
    public var idleBetweenSessions: Duration
    /// Start sessions on their own; false leaves connectors Available until a RemoteStartTransaction (load mode).
    public var automaticSessions: Bool
    /// Real-time limit for a CALLRESULT.
    public var callTimeout: Duration
    /// Real-time limit for the TCP connect plus WebSocket upgrade.
    public var handshakeTimeout: Duration
    /// Real-time reconnect backoff: the first retry after `reconnectBackoffMin`, doubling per failure up to the maximum.
    public var reconnectBackoffMin: Duration
    public var reconnectBackoffMax: Duration
    /// Extra random delay in [0, window] added to every reconnect so a fleet does not reconnect all at once.
    public var reconnectJitter: Duration
    /// Send a BootNotification on every new connection, not only after (re)boot. OCPP says a charger should not
    /// re-boot on a plain reconnect, so the default is false.
    public var bootOnReconnect: Bool
    /// Seed of this charger's random choices (sessions, id tags).
    public var seed: UInt64
    /// Id tags automatic sessions use; empty means a random RFID-like tag per session (which a bridge
    /// refuses unless it knows it: register these with `chargebus idtags add`).
    public var idTags: [String] = []

    public init(endpoint: CSMSEndpoint, password: String? = nil, heartbeatOverride: Duration? = nil,
                meterInterval: Duration = .seconds(60), sessionDuration: Duration = .seconds(1800),
                idleBetweenSessions: Duration = .seconds(600), automaticSessions: Bool = true,
                callTimeout: Duration = .seconds(30), handshakeTimeout: Duration = .seconds(10),
                reconnectBackoffMin: Duration = .seconds(1), reconnectBackoffMax: Duration = .seconds(60),
                reconnectJitter: Duration = .seconds(1), bootOnReconnect: Bool = false, seed: UInt64 = 1) {
        self.endpoint = endpoint
        self.password = password
        self.heartbeatOverride = heartbeatOverride
        self.meterInterval = meterInterval
        self.sessionDuration = sessionDuration
        self.idleBetweenSessions = idleBetweenSessions
        self.automaticSessions = automaticSessions
        self.callTimeout = callTimeout
        self.handshakeTimeout = handshakeTimeout
        self.reconnectBackoffMin = reconnectBackoffMin
        self.reconnectBackoffMax = reconnectBackoffMax
        self.reconnectJitter = reconnectJitter
        self.bootOnReconnect = bootOnReconnect
        self.seed = seed
    }
}

/// Why a charge point's CALL failed.
public enum CallFailure: Error, Hashable, CustomStringConvertible {
    /// Not connected, not booted, or silent: nothing was sent.
    case offline
    /// No CALLRESULT within the call timeout.
    case timeout
    /// The connection closed while waiting.
    case disconnected
    case cancelled
    /// The CSMS answered with a CALLERROR.
    case callError(code: String, description: String)

    public var description: String {
        switch self {
        case .offline: return "offline"
        case .timeout: return "timeout"
        case .disconnected: return "disconnected"
        case .cancelled: return "cancelled"
        case .callError(let code, let description): return "CALLERROR \(code): \(description)"
        }
    }
}

/// A simulated OCPP 1.6 charge point, or OCPP 2.0.1 charging station (`profile.protocolVersion`): one WebSocket,
/// BootNotification, heartbeats, status notifications, charging sessions with meter values, answers to
/// CSMS-initiated CALLs, and scripted scenarios. The state model is shared; what goes on the wire for 2.0.1 is in
/// `SimulatedChargePoint+OCPP201.swift` (TransactionEvent sessions, NotifyEvent problems, the 2.0.1 CSMS calls).
///
/// It sends at most one CALL at a time and waits for its CALLRESULT (or the call timeout) before the next, as
/// OCPP-J requires. All its state lives in this actor; its tasks run under `run()` and end when that task is
/// cancelled or `stop()` is called.
public actor SimulatedChargePoint {
    public nonisolated let profile: ChargerProfile
    public nonisolated var id: String { profile.id }
    /// True when this charger speaks OCPP 2.0.1.
    public nonisolated var is201: Bool { profile.protocolVersion == .ocpp201 }
    nonisolated let settings: ChargePointSettings
    nonisolated let clock: any SimulationClock
    nonisolated let group: any EventLoopGroup
    /// The loop used for timers (call timeouts and waits): cheaper than one sleeping task per timer.
    nonisolated let timerLoop: any EventLoop
    nonisolated let counters: SimulatorCounters
    nonisolated let logger: Logger
    nonisolated let scenarios: [Scenario]

    // Lifecycle
    var jobs: AsyncStream<@Sendable () async -> Void>.Continuation?
    var stopping = false
    var scenarioEpoch: Double = 0
    var sessionsSpawned = false

    // Connection
    var channel: (any Channel)?
    var connectionGeneration = 0
    var readyOnConnection = false
    var needsBoot = true
    var silent = false
    /// Simulated delay before the next reconnect, set when the charger drops the socket on purpose.
    var plannedReconnectDelay: Duration?
    var consecutiveFailures = 0
    public private(set) var lastConnectionError: (any Error)?
    var heartbeatInterval: Duration = .seconds(300)

    // Calls
    var messageCounter: UInt64
    var callInFlight = false
    var pending: PendingCall?
    var queues: [QueueKind: [QueuedWaiter]] = [:]
    var waiters: [WakeKey: Waiter] = [:]
    var tokenCounter: UInt64 = 0

    // Model
    var connectors: [ConnectorState]
    var configuration: ChargePointConfiguration
    var random: SeededGenerator
    var firmwareVersion: String
    var firmwareStatus = "Idle"
    var diagnosticsStatus = "Idle"
    var failedStartBudget: [(connector: Int?, remaining: Int)] = []
    var stopTransactionsInFlight = 0
    // OCPP 2.0.1
    var eventIdCounter201 = 0
    var firmwareRequestId201: Int?
    var logRequestId201: Int?
    /// A Reset OnIdle received while sessions ran: reboot when the last one ends.
    var resetOnIdlePending = false
    /// The BootNotification reason of the next 2.0.1 boot (PowerUp, RemoteReset, FirmwareUpdate, Triggered, …).
    var bootReason201 = "PowerUp"

    public init(profile: ChargerProfile, settings: ChargePointSettings, scenarios: [Scenario] = [],
                clock: any SimulationClock = ScaledClock(), group: any EventLoopGroup,
                logger: Logger = Logger(label: "chargebus.simulator")) {
        self.init(profile: profile, settings: settings, scenarios: scenarios, clock: clock, group: group,
                  counters: SimulatorCounters(), logger: logger)
    }

    init(profile: ChargerProfile, settings: ChargePointSettings, scenarios: [Scenario], clock: any SimulationClock,
         group: any EventLoopGroup, counters: SimulatorCounters, logger: Logger) {
        self.profile = profile
        self.settings = settings
        self.scenarios = scenarios
        self.clock = clock
        self.group = group
        self.timerLoop = group.next()
        self.counters = counters
        var logger = logger
        logger[metadataKey: "charger"] = "\(profile.id)"
        self.logger = logger
        var random = SeededGenerator(seed: settings.seed, stream: UInt64(profile.index) &+ 0x5EED)
        self.messageCounter = random.next() % 1_000_000
        self.random = random
        self.firmwareVersion = profile.firmwareVersion
        let now = Date()
        var connectors = [ConnectorState(registerWh: 0, since: now)]
        for register in profile.initialRegistersWh { connectors.append(ConnectorState(registerWh: register, since: now)) }
        self.connectors = connectors
        self.configuration = ChargePointConfiguration(
            connectors: profile.connectorCount,
            heartbeatInterval: Int(settings.heartbeatOverride?.timeInterval ?? 300),
            meterValueSampleInterval: max(0, Int(settings.meterInterval.timeInterval.rounded())),
            hasSoC: profile.kind == .dc
        )
        if let override = settings.heartbeatOverride { heartbeatInterval = override }
    }

    // MARK: Public state

    /// Connected, booted on this connection, and not silent: CALLs can go out.
    public var isReady: Bool { channel != nil && readyOnConnection && !silent && !stopping }
    public var isConnected: Bool { channel != nil }

    /// The status each connector last had (index 0 is the charger itself).
    public var connectorStatuses: [ChargePointStatus] { connectors.map(\.effectiveStatus) }

    /// The transaction id of a running session on `connector`, if any (OCPP 1.6 only; see `transactionIdentifier`).
    public func transactionID(connector: Int) -> Int? {
        guard !is201, connectors.indices.contains(connector) else { return nil }
        return connectors[connector].session?.transactionId
    }

    /// The transaction id of a running session on `connector` as text: the CSMS's number for OCPP 1.6, the
    /// charger's UUID for OCPP 2.0.1.
    public func transactionIdentifier(connector: Int) -> String? {
        guard connectors.indices.contains(connector), let session = connectors[connector].session else { return nil }
        return session.transactionUUID ?? String(session.transactionId)
    }

    /// The lifetime energy register of a connector, Wh.
    public func energyRegisterWh(connector: Int) -> Double? {
        connectors.indices.contains(connector) && connector > 0 ? connectors[connector].registerWh : nil
    }

    // MARK: Lifecycle

    /// Runs the charger until the task is cancelled or `stop()` is called: connects (reconnecting with backoff),
    /// boots, sends heartbeats and statuses, runs sessions and scenarios. `scenarioEpoch` is the simulated time
    /// (`clock.simulatedSeconds()`) scenario delays count from; nil means now.
    public func run(scenarioEpoch: Double? = nil) async {
        guard jobs == nil, !stopping else { return }
        self.scenarioEpoch = scenarioEpoch ?? clock.simulatedSeconds()
        let (stream, continuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        jobs = continuation
        counters.started.increment()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.connectionLoop() }
            for scenario in scenarios {
                if scenario.after == .zero, beginStateScenario(scenario) {
                    // Pure state changes due at start apply before anything is sent.
                    group.addTask { await self.endStateScenarioAfterHold(scenario) }
                } else {
                    group.addTask { await self.runScenario(scenario) }
                }
            }
            for await job in stream {
                group.addTask { await job() }
            }
            group.cancelAll()
        }
        jobs = nil
        failAllWaiters()
    }

    /// Plays a scenario on this charger now (its `after` and target are ignored); the charger must be running.
    public func play(_ scenario: Scenario) {
        spawn { await self.runScenario(scenario, immediately: true) }
    }

    /// Stops gracefully: sends a WebSocket close (1001 going away) and ends `run()`.
    public func stop() {
        guard !stopping else { return }
        stopping = true
        jobs?.finish()
        if jobs == nil, let channel {
            channel.writeAndFlush(OCPPWebSocketClient.closeFrame(code: .goingAway), promise: nil)
            channel.close(promise: nil)
        }
    }

    /// Runs `job` as a child of `run()` (cancelled when the charger stops).
    func spawn(_ job: @escaping @Sendable () async -> Void) {
        jobs?.yield(job)
    }

    // MARK: Connection

    func connectionLoop() async {
        while !Task.isCancelled && !stopping {
            do {
                let connection = try await OCPPWebSocketClient.connect(
                    endpoint: settings.endpoint, chargePointID: profile.id, password: settings.password,
                    group: group, timeout: settings.handshakeTimeout, subprotocol: profile.protocolVersion.subprotocol)
                consecutiveFailures = 0
                lastConnectionError = nil
                await runConnection(connection)
            } catch {
                if Task.isCancelled || stopping { break }
                consecutiveFailures += 1
                lastConnectionError = error
                counters.connectionFailures.increment()
                if case SimulatorConnectionError.upgradeRefused(let status, _) = error {
                    if status == 401 || status == 403 {
                        counters.authenticationFailures.increment()
                    } else {
                        counters.refusedUpgrades.increment()
                    }
                }
                logger.debug("connection failed", metadata: ["error": "\(error)", "attempt": "\(consecutiveFailures)"])
            }
            if Task.isCancelled || stopping { break }
            do {
                if let planned = plannedReconnectDelay {
                    plannedReconnectDelay = nil
                    try await clock.sleep(for: planned)
                } else {
                    try await Task.sleep(for: reconnectDelay())
                }
            } catch {
                break
            }
        }
    }

    /// Backoff: min · 2^(failures-1) capped at max (the first retry after a lost connection waits `min`), plus jitter.
    func reconnectDelay() -> Duration {
        let base = settings.reconnectBackoffMin.timeInterval
        let exponent = Double(max(0, consecutiveFailures - 1))
        let backoff = min(settings.reconnectBackoffMax.timeInterval, base * pow(2, min(exponent, 30)))
        let jitter = random.unit() * settings.reconnectJitter.timeInterval + random.unit() * backoff * 0.2
        return .seconds(double: backoff + jitter)
    }

    func runConnection(_ connection: OCPPWebSocketClient.Connection) async {
        let channel = connection.channel
        let generation = attach(channel)
        do {
            try await connection.executeThenClose { inbound, _ in
                do {
                    try await runConnectionTasks(inbound: inbound, channel: channel, generation: generation)
                } catch {
                    logger.debug("connection ended with error", metadata: ["error": "\(error)"])
                }
                // On a graceful stop, wait (at most a second) for the server to answer our close frame and close
                // first: closing with unread input would reset the connection and could lose the close frame.
                if Task.isCancelled { try? await channel.closeFuture.get() }
            }
        } catch {
            logger.debug("connection ended with error", metadata: ["error": "\(error)"])
        }
        detach(generation)
    }

    func runConnectionTasks(inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, channel: any Channel,
                            generation: Int) async throws {
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await frame in inbound {
                        await self.received(frame, at: .now)
                    }
                }
                group.addTask { await self.connectionMain(generation) }
                _ = try await group.next()
                group.cancelAll()
            }
        } onCancel: {
            // Graceful close: send a close frame and give the server a second to answer and close first.
            channel.writeAndFlush(OCPPWebSocketClient.closeFrame(code: .goingAway), promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }

    func attach(_ channel: any Channel) -> Int {
        connectionGeneration += 1
        self.channel = channel
        readyOnConnection = false
        counters.connected.increment()
        counters.connections.increment()
        for index in connectors.indices {
            connectors[index].lastReported = nil
            connectors[index].lastStatus201 = nil
        }
        logger.debug("connected")
        return connectionGeneration
    }

    func detach(_ generation: Int) {
        guard generation == connectionGeneration, channel != nil else { return }
        channel = nil
        counters.connected.decrement()
        if readyOnConnection {
            readyOnConnection = false
            counters.ready.decrement()
        }
        if !stopping, !Task.isCancelled { counters.disconnects.increment() }
        if let pending { completePending(pending.id, .failure(.disconnected)) }
        logger.debug("disconnected")
    }

    /// Closes the socket on purpose (scenario, reset); the connection loop reconnects after `reconnectAfter`
    /// (simulated time).
    func dropConnection(reconnectAfter: Duration) {
        plannedReconnectDelay = reconnectAfter
        if readyOnConnection, channel != nil {
            // Not ready from now on, even before the close completes.
            readyOnConnection = false
            counters.ready.decrement()
        }
        channel?.close(promise: nil)
    }

    /// Boot (when needed), statuses, then heartbeats until the connection ends.
    func connectionMain(_ generation: Int) async {
        if needsBoot || settings.bootOnReconnect {
            guard await bootSequence(generation) else { return }
        } else {
            markReady()
        }
        for connector in connectors.indices { await reportStatus(connector) }
        startSessionLoops()
        while generation == connectionGeneration, !Task.isCancelled {
            let interval = heartbeatInterval > .zero ? heartbeatInterval : Scenario.forever
            switch await wait(.heartbeat, for: interval) {
            case .cancelled: return
            case .woken: continue
            case .timeout: break
            }
            guard isReady else { continue }
            _ = try? await call("Heartbeat", ChargePointMessages.heartbeat())
        }
    }

    /// BootNotification until Accepted; honours Pending/Rejected retry intervals. False when the connection ended.
    func bootSequence(_ generation: Int) async -> Bool {
        while generation == connectionGeneration, !Task.isCancelled {
            if silent {
                if await wait(.heartbeat, for: .seconds(5)) == .cancelled { return false }
                continue
            }
            let retry: Duration
            do {
                if try await sendBootNotification() { return true }
                retry = heartbeatInterval > .zero ? heartbeatInterval : .seconds(30)
            } catch {
                switch error {
                case .disconnected, .cancelled: return false
                default: retry = .seconds(10)
                }
            }
            if await wait(.heartbeat, for: retry) == .cancelled { return false }
        }
        return false
    }

    /// Sends a BootNotification and applies the response; true when Accepted.
    /// `reason201`: the 2.0.1 BootReason of this boot (default: the one set by the last reboot, else PowerUp).
    func sendBootNotification(reason201: String? = nil) async throws(CallFailure) -> Bool {
        counters.boots.increment()
        let payload = is201
            ? bootNotification201(reason: reason201)
            : ChargePointMessages.bootNotification(
                vendor: profile.vendor, model: profile.model, serialNumber: profile.serialNumber,
                firmwareVersion: firmwareVersion, meterType: profile.kind == .ac ? "SimMeter AC" : "SimMeter DC",
                meterSerialNumber: profile.meterSerialNumber)
        let response = try await call("BootNotification", payload)
        let interval = response["interval"]?.numberValue ?? 0
        let status = response["status"]?.stringValue ?? ""
        if let override = settings.heartbeatOverride {
            heartbeatInterval = override
        } else if interval > 0 {
            heartbeatInterval = .seconds(double: interval)
        }
        if status == "Accepted" {
            if settings.heartbeatOverride == nil, interval > 0 { configuration.heartbeatInterval = Int(interval) }
            needsBoot = false
            bootReason201 = "PowerUp"
            markReady()
            return true
        }
        logger.debug("boot not accepted", metadata: ["status": "\(status)"])
        return false
    }

    func markReady() {
        if !readyOnConnection {
            readyOnConnection = true
            counters.ready.increment()
        }
        resumeAll(.ready)
    }

    /// Starts the automatic session loops once, after the first boot and initial status notifications.
    func startSessionLoops() {
        guard !sessionsSpawned, settings.automaticSessions, profile.connectorCount > 0 else { return }
        sessionsSpawned = true
        for connector in 1...profile.connectorCount {
            spawn { await self.sessionLoop(connector) }
        }
    }

    // MARK: Frames in and out

    @discardableResult
    func send(_ frame: OCPPFrame) -> Bool {
        guard let channel else { return false }
        channel.writeAndFlush(OCPPWebSocketClient.textFrame(frame.text, allocator: channel.allocator), promise: nil)
        counters.framesSent.increment()
        return true
    }

    func received(_ frame: WebSocketFrame, at receivedAt: ContinuousClock.Instant) {
        switch frame.opcode {
        case .text:
            counters.framesReceived.increment()
            guard !silent else { return }
            let data = frame.unmaskedData
            let bytes = Array(data.readableBytesView)
            let parsed: OCPPFrame
            do {
                parsed = try OCPPFrame(bytes: bytes)
            } catch {
                counters.protocolErrors.increment()
                if let id = error.messageID, bytes.starts(with: Array("[2".utf8)) {
                    send(.callError(id: id, code: is201 ? "FormatViolation" : OCPPFrame.ErrorCode.formationViolation.rawValue,
                                    description: error.reason, details: .object([:])))
                }
                logger.debug("unparsable frame", metadata: ["error": "\(error)"])
                return
            }
            switch parsed {
            case .callResult(let id, let payload):
                completePending(id, .success(CallResponse(payload: payload, receivedAt: receivedAt)))
            case .callError(let id, let code, let description, _):
                if pending?.id == id { counters.callErrors.increment() }
                completePending(id, .failure(.callError(code: code, description: description)))
            case .call(let id, let action, let payload):
                counters.callsReceived.increment()
                handleIncomingCall(id: id, action: action, payload: payload)
            }
        case .ping:
            guard !silent, let channel else { return }
            channel.writeAndFlush(OCPPWebSocketClient.controlFrame(.pong, data: frame.unmaskedData), promise: nil)
        case .connectionClose:
            guard let channel else { return }
            if !silent {
                var data = frame.unmaskedData
                let code = data.readSlice(length: 2) ?? ByteBuffer()
                channel.writeAndFlush(OCPPWebSocketClient.controlFrame(.connectionClose, data: code), promise: nil)
            }
            channel.close(promise: nil)
        default:
            break
        }
    }

    // MARK: Calls

    struct CallResponse: Sendable {
        var payload: JSONValue
        var receivedAt: ContinuousClock.Instant
        var sentAt: ContinuousClock.Instant = .now
    }

    struct PendingCall {
        var id: String
        var action: String
        var sentAt: ContinuousClock.Instant
        var continuation: CheckedContinuation<Result<CallResponse, CallFailure>, Never>
        var timer: Scheduled<Void>?
    }

    enum OfflinePolicy {
        /// Throw `.offline` right away (status, heartbeats, meter values).
        case fail
        /// Wait until connected and booted (transaction messages, queued while offline as OCPP requires).
        case wait
    }

    func canSend(_ action: String) -> Bool {
        channel != nil && !silent && !stopping && (readyOnConnection || action == "BootNotification")
    }

    func nextMessageID() -> String {
        messageCounter &+= 1
        return String(messageCounter)
    }

    /// Sends a CALL and returns the CALLRESULT payload.
    func call(_ action: String, _ payload: JSONValue, whenOffline: OfflinePolicy = .fail) async throws(CallFailure) -> JSONValue {
        try await callBuilding(action, whenOffline: whenOffline) { payload }!.payload
    }

    /// Sends a CALL whose payload is built once the call slot is acquired (so it reflects the state at send time);
    /// `build` returning nil sends nothing and returns nil.
    func callBuilding(_ action: String, whenOffline: OfflinePolicy = .fail,
                      build: () -> JSONValue?) async throws(CallFailure) -> CallResponse? {
        while true {
            if !canSend(action) {
                if whenOffline == .fail || stopping { throw .offline }
                guard await suspend(.ready) else { throw .cancelled }
                continue
            }
            if callInFlight {
                guard await suspend(.callSlot) else { throw .cancelled }
                continue
            }
            break
        }
        callInFlight = true
        defer {
            callInFlight = false
            resumeFirst(.callSlot)
        }
        guard let payload = build() else { return nil }
        let id = nextMessageID()
        let text = OCPPFrame.call(id: id, action: action, payload: payload)
        let timeout = TimeAmount.nanoseconds(Int64(settings.callTimeout.timeInterval * 1e9))
        let result: Result<CallResponse, CallFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: .failure(.cancelled))
                    return
                }
                let sentAt = ContinuousClock.now
                guard send(text) else {
                    continuation.resume(returning: .failure(.disconnected))
                    return
                }
                counters.callsSent.increment()
                let timer = timerLoop.scheduleTask(in: timeout) {
                    _ = Task { await self.completePending(id, .failure(.timeout)) }
                }
                pending = PendingCall(id: id, action: action, sentAt: sentAt, continuation: continuation, timer: timer)
            }
        } onCancel: {
            Task { await self.completePending(id, .failure(.cancelled)) }
        }
        switch result {
        case .success(let response): return response
        case .failure(let failure):
            if failure == .timeout {
                counters.callTimeouts.increment()
                logger.debug("call timed out", metadata: ["action": "\(action)"])
            }
            throw failure
        }
    }

    func completePending(_ id: String, _ result: Result<CallResponse, CallFailure>) {
        guard let call = pending, call.id == id else { return }
        pending = nil
        call.timer?.cancel()
        var result = result
        if case .success(var response) = result {
            response.sentAt = call.sentAt
            result = .success(response)
        }
        call.continuation.resume(returning: result)
    }

    // MARK: Waiting

    enum QueueKind: Hashable { case ready, callSlot }

    struct QueuedWaiter {
        var token: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    enum WakeKey: Hashable {
        case heartbeat
        case connector(Int)
    }

    enum WakeReason: Equatable { case timeout, woken, cancelled }

    struct Waiter {
        var token: UInt64
        var continuation: CheckedContinuation<WakeReason, Never>
        var timer: Scheduled<Void>?
    }

    /// Suspends in a FIFO queue until resumed (true) or cancelled (false).
    func suspend(_ queue: QueueKind) async -> Bool {
        if Task.isCancelled || stopping { return false }
        tokenCounter += 1
        let token = tokenCounter
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: false)
                    return
                }
                queues[queue, default: []].append(QueuedWaiter(token: token, continuation: continuation))
            }
        } onCancel: {
            Task { await self.cancelQueued(queue, token) }
        }
    }

    func resumeAll(_ queue: QueueKind) {
        guard let list = queues.removeValue(forKey: queue) else { return }
        for waiter in list { waiter.continuation.resume(returning: true) }
    }

    func resumeFirst(_ queue: QueueKind) {
        guard var list = queues[queue], !list.isEmpty else { return }
        let waiter = list.removeFirst()
        queues[queue] = list.isEmpty ? nil : list
        waiter.continuation.resume(returning: true)
    }

    func cancelQueued(_ queue: QueueKind, _ token: UInt64) {
        guard var list = queues[queue], let index = list.firstIndex(where: { $0.token == token }) else { return }
        let waiter = list.remove(at: index)
        queues[queue] = list.isEmpty ? nil : list
        waiter.continuation.resume(returning: false)
    }

    /// Waits a simulated duration, or until `wake(key)` (state changed) or cancellation.
    func wait(_ key: WakeKey, for duration: Duration) async -> WakeReason {
        if Task.isCancelled { return .cancelled }
        tokenCounter += 1
        let token = tokenCounter
        let real = duration.timeInterval / clock.speed
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: .cancelled)
                    return
                }
                if let previous = waiters.removeValue(forKey: key) {
                    previous.timer?.cancel()
                    previous.continuation.resume(returning: .woken)
                }
                var timer: Scheduled<Void>?
                if duration < Scenario.forever {
                    timer = timerLoop.scheduleTask(in: .nanoseconds(Int64(max(0, real) * 1e9))) {
                        _ = Task { await self.resumeWaiter(key, token, .timeout) }
                    }
                }
                waiters[key] = Waiter(token: token, continuation: continuation, timer: timer)
            }
        } onCancel: {
            Task { await self.resumeWaiter(key, token, .cancelled) }
        }
    }

    func resumeWaiter(_ key: WakeKey, _ token: UInt64, _ reason: WakeReason) {
        guard let waiter = waiters[key], waiter.token == token else { return }
        waiters[key] = nil
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: reason)
    }

    /// Interrupts a `wait(key)` in progress (no effect otherwise: state changes are read after every wait).
    func wake(_ key: WakeKey) {
        guard let waiter = waiters.removeValue(forKey: key) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: .woken)
    }

    func failAllWaiters() {
        for (_, list) in queues { for waiter in list { waiter.continuation.resume(returning: false) } }
        queues = [:]
        for (_, waiter) in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .cancelled)
        }
        waiters = [:]
        if let pending { completePending(pending.id, .failure(.cancelled)) }
    }
}
