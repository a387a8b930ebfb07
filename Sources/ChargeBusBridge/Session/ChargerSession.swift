import ChargeBusContract
import ChargeBusOCPP
import DequeModule
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// The result of a CSMS-initiated call, as the call topics report it.
enum OutgoingCallOutcome: Sendable, Equatable {
    case result(JSONValue)
    case error(code: String, description: String, details: JSONValue)
    case timeout
    case closed
    case busy
}

/// One charger's WebSocket: reads its frames in order, answers its calls through the routing
/// table, and sends CSMS-initiated calls one at a time (OCPP allows one outstanding call per direction).
final class ChargerSession: Sendable {
    let chargerID: String
    let charger: ChargerRecord
    let version: OCPPVersion
    let remote: String
    let connectedAt: Date
    private let channel: any Channel
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let state: Mutex<State>
    private let environment: BridgeEnvironment
    let logger: Logger
    /// Shared with the connection's `MeterFastPath`, which answers some frames before they reach this session.
    let fastPath: FastPathLink?

    struct PendingCall {
        var messageID: String
        var action: String
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<OutgoingCallOutcome, Never>?
        /// An outcome that arrived before the caller started waiting.
        var outcome: OutgoingCallOutcome?
    }

    /// Settles the pending call: hands back the waiting continuation, or keeps the outcome for
    /// the caller about to wait. Must run under the state lock.
    private static func settle(_ state: inout State, messageID: String?, outcome: OutgoingCallOutcome)
        -> CheckedContinuation<OutgoingCallOutcome, Never>? {
        guard var pending = state.pendingCall, messageID == nil || pending.messageID == messageID else { return nil }
        if let continuation = pending.continuation {
            state.pendingCall = nil
            return continuation
        }
        if pending.outcome == nil { pending.outcome = outcome }
        state.pendingCall = pending
        return nil
    }

    struct State {
        var lastSeen: ContinuousClock.Instant
        var lastPing: ContinuousClock.Instant?
        var closeReason: ChargerState.OfflineReason?
        var pendingCall: PendingCall?
        var callInProgress = false
        var waitingCallers: Deque<CheckedContinuation<Bool, Never>> = []
        var closed = false
        /// Per connector: the energy validator and the open transaction's meter start.
        var meters: [Int: ConnectorMeterState] = [:]
        /// OCPP 2.0.1 only: what makes up each EVSE's shared status.
        var evses: [Int: EVSEState] = [:]
    }

    /// A 2.0.1 EVSE's status is a combination: the connector status (StatusNotification), the
    /// transaction's charging state (TransactionEvent) and any problem a component reported
    /// (NotifyEvent). The bus shows the combination in the shared 1.6 vocabulary.
    struct EVSEState {
        var connectorStatus: OCPP201.ConnectorStatusEnumType?
        var chargingState: OCPP201.ChargingStateEnumType?
        var transactionID: String?
        var transactionEnded = false
        var problem: OCPP201.Problem?
        var lastPublished: SharedStatusKey?
    }

    struct SharedStatusKey: Equatable {
        var status: String
        var errorCode: String
        var vendorErrorCode: String?
        var info: String?
    }

    struct ConnectorMeterState {
        var validator: EnergyValidator
        var transactionID: TransactionID?
        var meterStartWh: Double?
        var loadedFromStore = false

        /// Checks a normalized reading against the last valid one and the connector's maximum power, and fills in the
        /// open transaction (session energy counts only for the transaction this state knows).
        mutating func validate(_ normalized: MeterReading) -> MeterReading {
            var reading = normalized
            if reading.transactionId == nil { reading.transactionId = transactionID }
            let inSession = reading.transactionId != nil && reading.transactionId == transactionID
            return validator.validate(reading, meterStartWh: inSession ? meterStartWh : nil)
        }
    }

    init(chargerID: String, charger: ChargerRecord, version: OCPPVersion, remote: String, channel: any Channel,
         outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, environment: BridgeEnvironment, fastPath: FastPathLink? = nil) {
        self.chargerID = chargerID
        self.charger = charger
        self.version = version
        self.remote = remote
        self.channel = channel
        self.outbound = outbound
        self.environment = environment
        self.connectedAt = environment.now()
        self.fastPath = fastPath
        self.state = Mutex(State(lastSeen: .now))
        var logger = environment.logger
        logger[metadataKey: "charger.id"] = .string(chargerID)
        self.logger = logger
    }

    var validationMode: OCPPValidationMode {
        charger.lenient ? .lenient : environment.configuration.defaultValidation
    }

    var closeReason: ChargerState.OfflineReason? {
        state.withLock { $0.closeReason }
    }

    // MARK: Reading

    /// Handles inbound frames until the socket closes. Frames are handled one at a time, in order.
    func run(inbound: NIOAsyncChannelInboundStream<WebSocketFrame>) async {
        do {
            for try await frame in inbound {
                state.withLock { $0.lastSeen = .now; $0.lastPing = nil }
                switch frame.opcode {
                case .text, .binary:
                    // OCPP-J uses text frames; a binary frame holding UTF-8 JSON is handled leniently.
                    let text = String(buffer: frame.unmaskedData)
                    inboundFrameCounted.store(false, ordering: .relaxed)
                    await handleText(text)
                    markInboundFrameHandled()
                case .ping:
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                case .pong:
                    break
                case .connectionClose:
                    markClosed(reason: .closed)
                    var data = channel.allocator.buffer(capacity: 2)
                    data.write(webSocketErrorCode: .normalClosure)
                    try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
                    return
                default:
                    break
                }
            }
        } catch {
            logger.debug("socket ended with an error", metadata: ["error": "\(error)"])
        }
        markClosed(reason: .closed)
    }

    private func handleText(_ text: String) async {
        environment.metrics.framesIn.increment()
        let receivedAt = environment.now()
        let frame: OCPPFrame
        do {
            frame = try OCPPFrame.parse(text, version: version)
        } catch {
            await log(text, direction: .in, at: receivedAt, isValidJSON: false)
            // A malformed CALLRESULT or CALLERROR can't be answered (that would start a loop), and
            // unknown message types are ignored, as OCPP-J prescribes.
            guard error.shouldReply else {
                logger.notice("ignored an unanswerable malformed frame", metadata: ["reason": "\(error.description)", "frame": "\(text.prefix(200))"])
                return
            }
            logger.warning("malformed frame", metadata: ["ocpp.error": "\(error.code.wireName(for: version))", "reason": "\(error.description)"])
            await sendCallError(messageID: error.replyMessageID, code: error.code, description: error.description, details: .object([:]), answering: true)
            return
        }
        await log(text, direction: .in, at: receivedAt, isValidJSON: true)

        switch frame {
        case .call(let messageID, let action, let payload):
            await handleCall(messageID: messageID, action: action, payload: payload, receivedAt: receivedAt)
        case .callResult(let messageID, let payload):
            completePendingCall(messageID: messageID, outcome: .result(payload))
        case .callError(let messageID, let code, let description, let details):
            completePendingCall(messageID: messageID, outcome: .error(code: code, description: description, details: details))
        }
    }

    private func handleCall(messageID: String, action: String, payload: JSONValue, receivedAt: Date) async {
        let context = CallContext(session: self, environment: environment, receivedAt: receivedAt, logger: logger)
        let routes = version == .v201 ? OCPP201Routes.handlers : OCPP16Routes.handlers
        guard let handler = routes[action] else {
            let notSupported = switch version {
            case .v16: OCPP16.csmsInitiatedActions.contains(action) && !OCPP16.chargerInitiatedActions.contains(action)
            case .v201: OCPP201.unsupportedChargerActions.contains(action)
                || (OCPP201.csmsInitiatedActions.contains(action) && !OCPP201.chargerInitiatedActions.contains(action))
            }
            let code: OCPPErrorCode = notSupported ? .notSupported : .notImplemented
            await sendCallError(messageID: messageID, code: code, description: "The bridge does not implement \(action)", details: .object([:]), answering: true)
            return
        }
        let started = ContinuousClock.now
        do {
            let response = try await handler.handle(payload, context)
            await send(OCPPFrame.callResult(messageID: messageID, payload: response), at: environment.now(), answering: true)
        } catch let error as OCPPValidationError {
            logger.warning("invalid \(action)", metadata: ["ocpp.error": "\(error.code.wireName(for: version))", "reason": "\(error.description)"])
            await sendCallError(messageID: messageID, code: error.code, description: error.description, details: error.details, answering: true)
        } catch let error as CallHandlingError {
            logger.error("\(action) failed", metadata: ["reason": "\(error.description)"])
            await sendCallError(messageID: messageID, code: error.code, description: error.description, details: .object([:]), answering: true)
        } catch {
            logger.error("\(action) failed", metadata: ["error": "\(error)"])
            environment.metrics.publishFailures.increment()
            await sendCallError(messageID: messageID, code: .internalError, description: "The bridge could not process \(action)", details: .object([:]), answering: true)
        }
        let elapsed = (ContinuousClock.now - started).components
        environment.metrics.frameHandling.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    // MARK: Writing

    /// `answering`: the frame answers the inbound frame being handled, which then counts as handled for the
    /// fast path before the answer leaves (the charger's next frame can arrive the moment it has the answer).
    private func send(_ frame: OCPPFrame, at: Date, answering: Bool = false) async {
        let text = frame.serialized()
        if answering { markInboundFrameHandled() }
        do {
            try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
            environment.metrics.framesOut.increment()
        } catch {
            logger.debug("could not write a frame", metadata: ["error": "\(error)"])
            return
        }
        await log(text, direction: .out, at: at, isValidJSON: true)
    }

    private func sendCallError(messageID: String, code: OCPPErrorCode, description: String, details: JSONValue,
                               answering: Bool = false) async {
        environment.metrics.callErrorsSent.increment()
        let frame = OCPPFrame.callError(messageID: messageID, code: code.wireName(for: version),
                                        description: String(description.prefix(255)), details: details)
        await send(frame, at: environment.now(), answering: answering)
    }

    private func log(_ text: String, direction: OCPPFrameLog.Direction, at: Date, isValidJSON: Bool) async {
        switch environment.configuration.ocppLog {
        case .off: return
        case .errors:
            guard !isValidJSON || text.hasPrefix("[4") else { return }
        case .all: break
        }
        try? await environment.bus.ocppFrame(chargerID, at: at, direction: direction, frame: text, isValidJSON: isValidJSON)
    }

    // MARK: CSMS-initiated calls

    /// Sends a call and waits for the charger's answer. Callers queue behind an outstanding call;
    /// beyond `maxQueuedCallsPerCharger` waiting callers the answer is `.busy`.
    func call(action: String, payload: JSONValue, timeout: Duration) async -> OutgoingCallOutcome {
        let admitted: Bool = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let immediate: Bool? = state.withLock { state in
                if state.closed { return false }
                if !state.callInProgress { state.callInProgress = true; return true }
                if state.waitingCallers.count >= environment.configuration.maxQueuedCallsPerCharger { return false }
                state.waitingCallers.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        guard admitted else { return state.withLock { $0.closed } ? .closed : .busy }
        defer { releaseCallSlot() }

        let messageID = UUID().uuidString.lowercased()
        // Register the call before the frame leaves, so an answer that arrives before we start
        // waiting is kept as the outcome instead of being dropped.
        let registered = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.pendingCall = PendingCall(messageID: messageID, action: action, deadline: .now + timeout)
            return true
        }
        guard registered else { return .closed }
        await send(OCPPFrame.call(messageID: messageID, action: action, payload: payload), at: environment.now())
        return await withCheckedContinuation { continuation in
            let ready: OutgoingCallOutcome? = state.withLock { state in
                guard var pending = state.pendingCall, pending.messageID == messageID else { return .closed }
                if let outcome = pending.outcome {
                    state.pendingCall = nil
                    return outcome
                }
                pending.continuation = continuation
                state.pendingCall = pending
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func releaseCallSlot() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if let next = state.waitingCallers.popFirst() { return next }
            state.callInProgress = false
            return nil
        }
        next?.resume(returning: true)
    }

    private func completePendingCall(messageID: String, outcome: OutgoingCallOutcome) {
        let (known, continuation) = state.withLock { state -> (Bool, CheckedContinuation<OutgoingCallOutcome, Never>?) in
            guard state.pendingCall?.messageID == messageID else { return (false, nil) }
            return (true, Self.settle(&state, messageID: messageID, outcome: outcome))
        }
        continuation?.resume(returning: outcome)
        if !known {
            logger.notice("answer to an unknown or expired call", metadata: ["ocpp.message_id": "\(messageID)"])
        }
    }

    // MARK: Liveness

    /// Called by the bridge's sweeper: pings a quiet charger, gives up on a silent one, and
    /// expires an outgoing call past its deadline.
    func sweep(policy: SilencePolicy, now: ContinuousClock.Instant) async {
        let (action, expired) = state.withLock { state -> (SilencePolicy.Action, CheckedContinuation<OutgoingCallOutcome, Never>?) in
            var expired: CheckedContinuation<OutgoingCallOutcome, Never>?
            if let pending = state.pendingCall, pending.deadline <= now, pending.outcome == nil {
                expired = Self.settle(&state, messageID: pending.messageID, outcome: .timeout)
            }
            guard !state.closed else { return (.none, expired) }
            let action = policy.evaluate(silence: now - state.lastSeen, sincePing: state.lastPing.map { now - $0 })
            if action == .ping { state.lastPing = now }
            return (action, expired)
        }
        expired?.resume(returning: .timeout)
        switch action {
        case .none: break
        case .ping:
            try? await outbound.write(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "chargebus")))
        case .giveUp:
            logger.warning("charger silent past the limit: closing", metadata: ["silence.limit_s": "\(environment.configuration.silenceLimitS)"])
            environment.metrics.silentTimeouts.increment()
            close(reason: .timeout)
        }
    }

    /// Closes the socket; the reason is what the offline state will say.
    func close(reason: ChargerState.OfflineReason) {
        markClosed(reason: reason)
        channel.close(promise: nil)
    }

    private func markClosed(reason: ChargerState.OfflineReason) {
        let (pending, waiters) = state.withLock { state -> (CheckedContinuation<OutgoingCallOutcome, Never>?, [CheckedContinuation<Bool, Never>]) in
            if state.closeReason == nil { state.closeReason = reason }
            state.closed = true
            let pending = Self.settle(&state, messageID: nil, outcome: .closed)
            let waiters = Array(state.waitingCallers)
            state.waitingCallers.removeAll()
            return (pending, waiters)
        }
        pending?.resume(returning: .closed)
        for waiter in waiters { waiter.resume(returning: false) }
    }

    // MARK: OCPP 2.0.1 EVSE state

    /// Applies `change` to an EVSE's state and returns the shared status to publish, or nil when
    /// it did not change.
    func updateEVSE(_ evse: Int, _ change: (inout EVSEState) -> Void) -> SharedStatusKey? {
        state.withLock { state in
            var current = state.evses[evse] ?? EVSEState()
            change(&current)
            // A transaction implies an occupied connector even before its StatusNotification arrives.
            let connectorStatus = current.connectorStatus ?? (current.transactionID != nil ? .occupied : .available)
            let key = SharedStatusKey(
                status: OCPP201.sharedStatus(connectorStatus: connectorStatus, chargingState: current.chargingState,
                                             hasTransaction: current.transactionID != nil, transactionEnded: current.transactionEnded),
                errorCode: current.problem?.errorCode ?? "NoError",
                vendorErrorCode: current.problem?.vendorErrorCode, info: current.problem?.info)
            let changed = key != current.lastPublished
            current.lastPublished = key
            state.evses[evse] = current
            return changed ? key : nil
        }
    }

    func evseState(_ evse: Int) -> EVSEState? {
        state.withLock { $0.evses[evse] }
    }

    /// The EVSE running a 2.0.1 transaction, for events that omit `evse`.
    func evse(ofTransaction transactionID: String) -> Int? {
        state.withLock { state in state.evses.first { $0.value.transactionID == transactionID }?.key }
    }

    // MARK: Fast path

    /// Whether the inbound frame being handled was already counted in `fastPath.sessionHandledFrames`.
    private let inboundFrameCounted = Atomic<Bool>(false)

    private func markInboundFrameHandled() {
        guard let fastPath, !inboundFrameCounted.exchange(true, ordering: .relaxed) else { return }
        fastPath.sessionHandledFrames.add(1, ordering: .releasing)
    }

    /// A frame answered by the fast path still counts as the charger being alive.
    func noteFrameReceived() {
        state.withLock { $0.lastSeen = .now; $0.lastPing = nil }
    }

    /// Whether the fast path may take a reading of this connector: the session is open and the connector's meter
    /// state is in memory. Until then (its first reading on this connection) the session handles its meter values,
    /// since loading that state reads the store.
    func canTakeMeterValues(connector: Int) -> Bool {
        state.withLock { !$0.closed && $0.meters[connector]?.loadedFromStore == true }
    }

    /// Validates a reading against the connector's last valid one, and commits the validator's new state only if
    /// `publish` accepted the result. `.unavailable` when the meter state is not loaded or the session is closed.
    func validateAndPublishMeter(_ normalized: MeterReading, connector: Int,
                                 publish: (MeterReading) -> FastPublishOutcome) -> (FastPublishOutcome, MeterReading?) {
        state.withLock { state in
            guard var meter = state.meters[connector], meter.loadedFromStore, !state.closed else { return (.unavailable, nil) }
            let validated = meter.validate(normalized)
            let outcome = publish(validated)
            guard outcome.isAccepted else { return (outcome, nil) }
            state.meters[connector] = meter
            return (outcome, validated)
        }
    }

    // MARK: Meter state

    /// Runs `body` on a connector's meter state, loading the open transaction from the store the
    /// first time so that validation survives a reconnect or a bridge restart.
    func withMeterState<R>(connector: Int, _ body: (inout ConnectorMeterState) -> R) -> R {
        let needsLoad = state.withLock { $0.meters[connector]?.loadedFromStore != true }
        var open: (id: TransactionID, meterStartWh: Double?, startedAt: Date)?
        if needsLoad {
            switch version {
            case .v16:
                if let record = try? environment.store.openTransaction(chargerID: chargerID, connector: connector), let id = record.id {
                    open = (.int(Int(id)), record.meterStartWh, record.startedAt)
                }
            case .v201:
                if let record = try? environment.store.openTransaction201(chargerID: chargerID, evse: connector) {
                    open = (.string(record.transactionId), record.meterStartWh, record.startedAt)
                }
            }
        }
        return state.withLock { state in
            var meter = state.meters[connector] ?? ConnectorMeterState(
                validator: EnergyValidator(maxPowerW: charger.maxPowerW > 0 ? charger.maxPowerW : nil,
                                           tolerance: environment.configuration.maxPowerTolerance))
            if needsLoad && !meter.loadedFromStore {
                meter.loadedFromStore = true
                if let open, meter.transactionID == nil {
                    meter.transactionID = open.id
                    meter.meterStartWh = open.meterStartWh
                    if let start = open.meterStartWh { meter.validator.startTransaction(meterStartWh: start, at: open.startedAt) }
                }
            }
            let result = body(&meter)
            state.meters[connector] = meter
            return result
        }
    }
}
