import ChargeBusContract
import Foundation
import Logging

/// Executes an accepted command through the bridge's call topics and produces its result.
/// Multi-step commands (clear-fault, update-firmware) wait for the charger's status on the engine's fleet view,
/// checking it every `pollInterval`; their decisions are made by plain structs tested with explicit times.
public struct CommandExecutor: Sendable {
    let engine: CommandsEngine
    let calls: CallClient
    let clock: any CommandsClock
    let configuration: CommandsConfiguration
    let pollInterval: Double

    public init(engine: CommandsEngine, calls: CallClient, clock: any CommandsClock, configuration: CommandsConfiguration,
                pollInterval: Double = 0.2) {
        self.engine = engine
        self.calls = calls
        self.clock = clock
        self.configuration = configuration
        self.pollInterval = pollInterval
    }

    func result(_ plan: ExecutionPlan, _ status: CommandStatus, message: String? = nil, response: JSONValue? = nil,
                details: JSONValue? = nil, final: Bool = true) -> CommandResult {
        CommandResult(id: plan.id, command: plan.command.name.rawValue, charger: plan.chargerID, status: status,
                      response: response, message: status == .accepted ? message : (message ?? status.rawValue),
                      details: details, by: plan.user, final: final, requestedAt: plan.receivedAt, at: clock.now)
    }

    /// One OCPP call, audited before it is sent and when the answer comes.
    func send(_ plan: ExecutionPlan, _ call: OCPPCall) async -> CallResponse {
        let payload = (try? BusCoding.encode(call.payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        await engine.audit(plan, kind: "call", detail: "\(call.action) \(payload)")
        let response = await calls.call(chargerID: plan.chargerID, call, timeoutS: configuration.callTimeoutS, now: clock.now)
        let answer = (try? BusCoding.encode(response)).map { String(decoding: $0, as: UTF8.self) } ?? "\(response.status)"
        await engine.audit(plan, kind: "answer", detail: answer)
        return response
    }

    public func run(_ plan: ExecutionPlan) async {
        switch plan.command {
        case .clearFault(let requested):
            await clearFault(plan, requested: requested)
        case .updateFirmware:
            await updateFirmware(plan)
        case .remoteStop(nil, let connector?):
            guard let tx = await engine.charger(plan.chargerID)?.transactions[connector] else {
                await engine.finish(result(plan, .rejected, message: "no active transaction is known on connector \(connector)"))
                return
            }
            await single(plan, OCPP16Mapping.remoteStop(transactionId: tx))
        case .remoteStart(let connector, let idTag, let limit?):
            let call = OCPP16Mapping.call(for: plan.command)!
            // Armed before the call: a charger sends StartTransaction right after accepting, and its
            // `started` event may reach the daemon before the call's response does.
            await engine.addLimited(LimitedSession(requestId: plan.id, chargerID: plan.chargerID, connector: connector, idTag: idTag,
                                                   limit: limit, acceptedAt: clock.now))
            let response = await send(plan, call)
            let (status, message) = OCPP16Mapping.outcome(of: response, action: call.action)
            var details: [String: JSONValue] = [:]
            if status != .accepted {
                await engine.removeLimited(plan.id)
            } else {
                switch limit {
                case .minutes(let m): details["limit"] = .object(["minutes": .number(m)])
                case .amount(let a, let t):
                    details["limit"] = .object(["amount": .number(a), "currency": .string(t.currency), "perKWh": .number(t.perKWh),
                                                "perMinute": .number(t.perMinute), "perSession": .number(t.perSession)])
                }
                details["stopsBy"] = .string("the commands daemon sends RemoteStopTransaction when the limit is reached")
            }
            await engine.finish(result(plan, status, message: message, response: response.response, details: details.isEmpty ? nil : .object(details)))
        default:
            guard let call = OCPP16Mapping.call(for: plan.command) else {
                await engine.finish(result(plan, .error, message: "no OCPP 1.6 mapping for \(plan.command.name.rawValue)"))
                return
            }
            await single(plan, call)
        }
    }

    func single(_ plan: ExecutionPlan, _ call: OCPPCall) async {
        let response = await send(plan, call)
        let (status, message) = OCPP16Mapping.outcome(of: response, action: call.action)
        await engine.finish(result(plan, status, message: message, response: response.response))
    }

    func clearFault(_ plan: ExecutionPlan, requested: Int?) async {
        let view = await engine.charger(plan.chargerID) ?? ChargerView()
        var procedure = ClearFaultProcedure(connector: ClearFaultProcedure.target(requested: requested, charger: view),
                                            availabilityTimeout: configuration.clearFaultAvailabilityTimeoutS,
                                            resetTimeout: configuration.clearFaultResetTimeoutS)
        var actions = procedure.start(now: clock.now)
        // The procedure returns at most one action at a time; none means "wait for a status or the deadline".
        while !Task.isCancelled {
            guard let action = actions.first else {
                try? await clock.sleep(seconds: pollInterval)
                let statuses = await engine.charger(plan.chargerID)?.statuses ?? [:]
                actions = procedure.check(statuses: statuses, now: clock.now)
                continue
            }
            switch action {
            case .call(let call):
                let response = await send(plan, call)
                let statuses = await engine.charger(plan.chargerID)?.statuses ?? [:]
                actions = procedure.answered(response, statuses: statuses, now: clock.now)
            case .finish(let status, let message, let details, let response):
                var d = details.objectValue ?? [:]
                if let s = await engine.charger(plan.chargerID)?.statuses[procedure.connector] { d["finalStatus"] = .string(s.status) }
                await engine.finish(result(plan, status, message: message, response: response, details: .object(d)))
                return
            }
        }
    }

    func updateFirmware(_ plan: ExecutionPlan) async {
        guard case .updateFirmware(_, let retrieveDate, _, _) = plan.command, let call = OCPP16Mapping.call(for: plan.command) else { return }
        let response = await send(plan, call)
        let (status, message) = OCPP16Mapping.outcome(of: response, action: call.action)
        guard status == .accepted else {
            await engine.finish(result(plan, status, message: message, response: response.response))
            return
        }
        await engine.finish(result(plan, .accepted, response: response.response,
                                   details: .object(["firmwareStatus": .string("Accepted"), "history": .array([])]), final: false))
        await followFirmware(plan, response: response.response, history: [], since: plan.receivedAt, retrieveDate: retrieveDate)
    }

    /// After a restart: the charger accepted the update before; follow its progress again.
    public func resumeFirmware(_ plan: ExecutionPlan) async {
        guard case .updateFirmware(_, let retrieveDate, _, _) = plan.command else { return }
        let last = await engine.lastResult(plan.id)
        let history: [JSONValue]
        if case .array(let items)? = last?.details?["history"] { history = items } else { history = [] }
        await followFirmware(plan, response: last?.response, history: history, since: clock.now.addingTimeInterval(-5),
                             retrieveDate: retrieveDate)
    }

    func followFirmware(_ plan: ExecutionPlan, response: JSONValue?, history start: [JSONValue], since: Date, retrieveDate: Date) async {
        let deadline = max(retrieveDate, plan.receivedAt).addingTimeInterval(configuration.firmwareTimeoutS)
        var seen = 0
        var history = start
        while !Task.isCancelled {
            let events = await engine.firmwareEvents(plan.chargerID, since: since)
            for status in events.dropFirst(seen) {
                seen += 1
                history.append(.string(status))
                let details: JSONValue = .object(["firmwareStatus": .string(status), "history": .array(history)])
                switch FirmwareProgress.outcome(of: status) {
                case .progress:
                    await engine.finish(result(plan, .accepted, response: response, details: details, final: false))
                case .finished(let final, let message):
                    await engine.finish(result(plan, final, message: message, response: response, details: details))
                    return
                }
            }
            if clock.now >= deadline {
                await engine.finish(result(plan, .timeout, message: "no final firmware status (Installed or a failure) before \(Timestamp.format(deadline))",
                                           response: response, details: .object(["history": .array(history)])))
                return
            }
            try? await clock.sleep(seconds: pollInterval)
        }
    }

    /// A limit was reached: the daemon stops the session itself.
    public func stopLimited(requestId: String, chargerID: String, transactionId: TransactionID) async {
        let response = await calls.call(chargerID: chargerID, OCPP16Mapping.remoteStop(transactionId: transactionId),
                                        timeoutS: configuration.callTimeoutS, now: clock.now)
        await engine.stopAnswered(requestId: requestId, chargerID: chargerID, response: response)
    }
}
