import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import Metrics

/// Where results go: the result topic, and the requester's MQTT 5 response topic.
public protocol ResultPublisher: Sendable {
    func publish(_ topic: String, payload: [UInt8], correlationData: [UInt8]?) async
}

/// A requester who waits for a result on their own response topic.
public struct ReplyTarget: Sendable, Hashable {
    public var responseTopic: String
    public var correlationData: [UInt8]?
}

/// The daemon's state: the fleet as seen on the bus, the request pipeline, idempotency, limited sessions.
/// All decisions are made here, serialized; the slow parts (waiting for chargers) run in `CommandExecutor`.
public actor CommandsEngine {
    public let configuration: CommandsConfiguration
    let topics: Topics
    let store: CommandStore
    let publisher: any ResultPublisher
    let clock: any CommandsClock
    let logger: Logger
    let inbox: PayloadInbox
    private var decider: CommandDecider
    private(set) var fleet = FleetView()
    private var limiter: SessionLimiter
    /// Requests being executed, with every requester waiting for them (duplicates that arrived meanwhile).
    private var inflight: [String: [ReplyTarget]] = [:]

    public init(configuration: CommandsConfiguration, store: CommandStore, publisher: any ResultPublisher,
                clock: any CommandsClock, logger: Logger) throws {
        self.configuration = configuration
        self.topics = Topics(root: configuration.topicRoot)
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.logger = logger
        self.inbox = PayloadInbox(daemon: "commands", logger: logger)
        self.decider = CommandDecider(configuration: configuration)
        self.limiter = SessionLimiter(startTimeout: configuration.remoteStartTimeoutS, sessions: try store.limitedSessions())
    }

    // MARK: Startup

    /// Requests left unfinished by a previous run are closed, never re-sent: the charger may or may not have
    /// executed them, and executing twice is the one thing idempotency forbids. The exception is an
    /// update-firmware the charger already accepted: nothing is re-sent, its progress is followed again
    /// (the returned plans).
    public func closeInterrupted() async -> [ExecutionPlan] {
        let unfinished = (try? store.unfinished()) ?? []
        var resumed: [ExecutionPlan] = []
        for request in unfinished {
            if request.command == CommandName.updateFirmware.rawValue, request.result?.status == .accepted,
               case .success(let parsed) = CommandDecider.parse(Array(request.payload.utf8)),
               let command = try? CommandValidator.validate(.updateFirmware, params: parsed.params, connectors: nil, tariff: nil,
                                                            now: request.receivedAt) {
                let plan = ExecutionPlan(id: request.id, chargerID: request.charger, user: request.user ?? "", command: command,
                                         force: false, receivedAt: request.receivedAt)
                inflight[request.id] = []
                resumed.append(plan)
                try? store.audit(at: clock.now, requestId: request.id, charger: request.charger, command: request.command, user: request.user,
                                 kind: "resumed", detail: "following firmware status notifications again after a restart")
                continue
            }
            let result = CommandResult(id: request.id, command: request.command, charger: request.charger, status: .error,
                                       message: "the commands daemon restarted while this command ran; it was not sent again. Check the charger's state before retrying with a new id",
                                       by: request.user, requestedAt: request.receivedAt, at: clock.now)
            await finish(result, targets: [])
        }
        if !unfinished.isEmpty {
            logger.warning("unfinished commands of the previous run", metadata: ["closed": "\(unfinished.count - resumed.count)", "resumed": "\(resumed.count)"])
        }
        return resumed
    }

    /// The last result published for a request (an update-firmware's progress).
    public func lastResult(_ id: String) -> CommandResult? {
        (try? store.request(id: id))?.flatMap { $0.result }
    }

    // MARK: Requests

    /// Runs the pipeline for one request; returns the plan when the command must be executed.
    public func handle(_ envelope: RequestEnvelope) async -> ExecutionPlan? {
        let now = clock.now
        let request: CommandRequest
        switch CommandDecider.parse(envelope.payload) {
        case .failure(let error):
            try? store.audit(at: now, requestId: nil, charger: envelope.chargerID, command: envelope.name, user: envelope.boundUser,
                             kind: "invalid", detail: error.message + ": " + String(decoding: envelope.payload.prefix(500), as: UTF8.self))
            Counter(label: "chargebus_bad_payloads_total", dimensions: [("daemon", "commands"), ("topic_kind", "command")]).increment()
            logger.warning("invalid command request", metadata: ["charger": "\(envelope.chargerID)", "reason": "\(error.message)"])
            let result = CommandResult(id: "", command: envelope.name, charger: envelope.chargerID, status: .invalid,
                                       message: error.message, by: envelope.boundUser, requestedAt: now, at: now)
            await publish(result, targets: target(envelope).map { [$0] } ?? [])
            return nil
        case .success(let parsed):
            request = parsed
        }
        let claimedUser = envelope.boundUser ?? request.by
        if let first = try? store.existing(id: request.id) {
            await answerDuplicate(first, envelope: envelope, request: request, user: claimedUser, now: now)
            return nil
        }
        let decision = decider.decide(envelope, request: request, fleet: fleet, now: now)
        var result: CommandResult?
        var decisionText: String
        switch decision {
        case .reply(let status, let message):
            decisionText = "\(status.rawValue): \(message)"
            result = CommandResult(id: request.id, command: envelope.name, charger: envelope.chargerID, status: status,
                                   message: message, by: claimedUser, requestedAt: now, at: now)
        case .execute(let plan):
            decisionText = "execute\(plan.force ? " (forced)" : "")"
        }
        // The request, its decision (and an immediate answer) are on disk before anything is sent.
        let begin: CommandStore.Begin
        do {
            begin = try store.begin(id: request.id, charger: envelope.chargerID, command: envelope.name, user: claimedUser,
                                    payload: envelope.payload, at: now, decision: decisionText, result: result)
        } catch {
            logger.error("cannot record the request; refusing to act without an audit trail", metadata: ["error": "\(error)"])
            let failure = CommandResult(id: request.id, command: envelope.name, charger: envelope.chargerID, status: .error,
                                        message: "the commands daemon cannot write its audit log; nothing was sent", by: claimedUser, at: now)
            await publish(failure, targets: target(envelope).map { [$0] } ?? [])
            return nil
        }
        if case .duplicate(let first) = begin {
            await answerDuplicate(first, envelope: envelope, request: request, user: claimedUser, now: now)
            return nil
        }
        switch decision {
        case .reply:
            Counter(label: "chargebus_commands_total", dimensions: [("command", envelope.name), ("status", result!.status.rawValue)]).increment()
            await publish(result!, targets: target(envelope).map { [$0] } ?? [])
            return nil
        case .execute(let plan):
            inflight[request.id] = target(envelope).map { [$0] } ?? []
            return plan
        }
    }

    private func answerDuplicate(_ first: CommandStore.StoredRequest, envelope: RequestEnvelope, request: CommandRequest, user: String?,
                                 now: Date) async {
        try? store.audit(at: now, requestId: request.id, charger: envelope.chargerID, command: envelope.name, user: user,
                         kind: "duplicate", detail: String(decoding: envelope.payload.prefix(500), as: UTF8.self))
        if let result = first.result, first.final {
            await publish(result, targets: target(envelope).map { [$0] } ?? [])
        } else if inflight[request.id] != nil {
            // Still running: this requester gets the same result when it is known.
            if let t = target(envelope) { inflight[request.id]?.append(t) }
        }
    }

    private func target(_ envelope: RequestEnvelope) -> ReplyTarget? {
        envelope.responseTopic.map { ReplyTarget(responseTopic: $0, correlationData: envelope.correlationData) }
    }

    /// Records and publishes a final result to the result topic and to everyone waiting for it.
    public func finish(_ result: CommandResult, targets extra: [ReplyTarget] = []) async {
        do { try store.record(result) } catch { logger.error("cannot record a result", metadata: ["id": "\(result.id)", "error": "\(error)"]) }
        let targets = (inflight[result.id] ?? []) + extra
        if result.final { inflight[result.id] = nil }
        Counter(label: "chargebus_commands_total", dimensions: [("command", result.command), ("status", result.status.rawValue)]).increment()
        await publish(result, targets: targets)
    }

    private func publish(_ result: CommandResult, targets: [ReplyTarget]) async {
        guard let bytes = try? BusCoding.encode(result) else { return }
        let name = result.command.isEmpty || result.command.contains(where: { "+#/".contains($0) }) ? "unknown" : result.command
        await publisher.publish(topics.commandResult(result.charger, name: name), payload: bytes, correlationData: nil)
        for t in targets {
            await publisher.publish(t.responseTopic, payload: bytes, correlationData: t.correlationData)
        }
    }

    public func audit(_ plan: ExecutionPlan, kind: String, detail: String) {
        try? store.audit(at: clock.now, requestId: plan.id, charger: plan.chargerID, command: plan.command.name.rawValue,
                         user: plan.user, kind: kind, detail: detail)
    }

    public func audit(requestId: String, chargerID: String, kind: String, detail: String) {
        try? store.audit(at: clock.now, requestId: requestId, charger: chargerID, command: "remote-start", user: nil, kind: kind, detail: detail)
    }

    // MARK: Fleet

    public func charger(_ id: String) -> ChargerView? { fleet[id] }

    public func firmwareEvents(_ chargerID: String, since: Date) -> [String] {
        (fleet.firmwareEvents[chargerID] ?? []).filter { $0.at >= since }.map(\.status)
    }

    /// Every non-command message the daemon subscribes to.
    public func apply(_ message: MQTTMessage) {
        guard let topic = topics.parse(message.topic) else { return }
        let now = clock.now
        switch topic {
        case .chargerState(let cp):
            if inbox.isCleared(message) { return }
            if let state = inbox.decode(ChargerState.self, from: message, kind: "state") { fleet.apply(state: state, chargerID: cp) }
        case .info(let cp):
            if inbox.isCleared(message) { fleet.apply(info: nil, chargerID: cp); return }
            if let info = inbox.decode(ChargerInfo.self, from: message, kind: "info") { fleet.apply(info: info, chargerID: cp) }
        case .connectorStatus(let cp, let connector):
            if inbox.isCleared(message) { return }
            if let status = inbox.decode(ConnectorStatus.self, from: message, kind: "status") {
                fleet.apply(status: status, chargerID: cp, connector: connector)
            }
        case .transactions(let cp):
            guard let event = inbox.decode(TransactionEvent.self, from: message, kind: "transactions") else { return }
            fleet.apply(transaction: event, chargerID: cp)
            switch event.event {
            case .started:
                for id in limiter.transactionStarted(chargerID: cp, connector: event.connector, transactionId: event.transactionId,
                                                     idTag: event.idTag, now: now) {
                    persist(id)
                    audit(requestId: id, chargerID: cp, kind: "limit-armed",
                          detail: "transaction \(event.transactionId) started on connector \(event.connector)")
                }
            case .stopped:
                for action in limiter.transactionStopped(chargerID: cp, transactionId: event.transactionId) {
                    if case .forget(let id, let note) = action {
                        try? store.removeSession(requestId: id)
                        audit(requestId: id, chargerID: cp, kind: "limit-done", detail: note)
                    }
                }
            }
        case .meter(let cp, _):
            guard let json = try? BusCoding.decode(JSONValue.self, from: message.payload),
                  let energy = json["sessionEnergyWh"]?.numberValue,
                  let tx = json["transactionId"].flatMap({ try? BusCoding.decode(TransactionID.self, from: BusCoding.encode($0)) })
            else { return }
            fleet.apply(meterEnergyWh: energy, transactionId: tx, chargerID: cp)
            for id in limiter.meter(chargerID: cp, transactionId: tx, sessionEnergyWh: energy) { persist(id) }
        case .event(let cp, .firmwareStatus):
            if let event = inbox.decode(ChargerEvent.self, from: message, kind: "firmware-status"), let status = event.data["status"]?.stringValue {
                fleet.apply(firmwareStatus: status, at: now, chargerID: cp)
            }
        case .bridge(let bridgeID):
            if let json = try? BusCoding.decode(JSONValue.self, from: message.payload), json["online"] == .bool(false) {
                fleet.bridgeLost(bridgeID)
            }
        default:
            return
        }
    }

    // MARK: Limited sessions

    public func addLimited(_ session: LimitedSession) {
        limiter.add(session)
        persist(session.requestId)
    }

    public func removeLimited(_ requestId: String) {
        limiter.remove(requestId)
        try? store.removeSession(requestId: requestId)
    }

    public var limitedSessions: [LimitedSession] { Array(limiter.sessions.values) }

    /// Stops that are due; the caller sends them and reports back with `stopAnswered`.
    public func tick() -> [SessionLimiter.Action] {
        let actions = limiter.tick(now: clock.now)
        for action in actions {
            switch action {
            case .stop(let id, let cp, let tx, let reason):
                persist(id)
                audit(requestId: id, chargerID: cp, kind: "limit-reached", detail: "\(reason): RemoteStopTransaction \(tx)")
            case .forget(let id, let note):
                try? store.removeSession(requestId: id)
                audit(requestId: id, chargerID: limiter.sessions[id]?.chargerID ?? "", kind: "limit-done", detail: note)
            }
        }
        return actions
    }

    public func stopAnswered(requestId: String, chargerID: String, response: CallResponse) {
        let accepted = response.status == .ok && response.response?["status"]?.stringValue == "Accepted"
        limiter.stopAnswered(requestId: requestId, accepted: accepted, now: clock.now)
        persist(requestId)
        let detail = (try? BusCoding.encode(response)).map { String(decoding: $0, as: UTF8.self) } ?? "\(response.status)"
        audit(requestId: requestId, chargerID: chargerID, kind: "answer", detail: detail)
    }

    private func persist(_ requestId: String) {
        if let session = limiter.sessions[requestId] {
            do { try store.save(session) } catch { logger.error("cannot persist a limited session", metadata: ["id": "\(requestId)", "error": "\(error)"]) }
        }
    }
}
