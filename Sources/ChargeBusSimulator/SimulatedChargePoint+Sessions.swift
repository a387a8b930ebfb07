import ChargeBusContract
import Foundation

/// An error condition shown in StatusNotification.
struct ConnectorCondition: Hashable, Sendable {
    var errorCode: ChargePointErrorCode
    var info: String?
    var vendorId: String?
    var vendorErrorCode: String?
}

struct ActiveSession: Sendable {
    /// The CSMS's transaction id (OCPP 1.6); 0 for OCPP 2.0.1, whose id is `transactionUUID`.
    var transactionId: Int
    /// OCPP 2.0.1: the charger's own transaction id (a UUID string).
    var transactionUUID: String? = nil
    /// OCPP 2.0.1: the next TransactionEvent seqNo of this transaction.
    var seqNo = 0
    /// OCPP 2.0.1: the chargingState last reported for this transaction.
    var chargingState = "EVConnected"
    var idTag: String
    var model: ChargingSessionModel
    var startedAt: Double
    var plannedSeconds: Double
    var lastSampleAt: Double
}

/// What the CSMS was last told about a connector (to skip duplicate StatusNotifications).
struct ReportedStatus: Hashable {
    var status: ChargePointStatus
    var condition: ConnectorCondition?
}

struct ConnectorState: Sendable {
    /// The status the session flow puts the connector in (Available, Preparing, Charging, Finishing).
    var phase: ChargePointStatus = .available
    /// A fault (Faulted with this error) — `fault` scenario.
    var fault: ConnectorCondition?
    /// A warning reported with the normal status (e.g. WeakSignal).
    var warning: ConnectorCondition?
    var operative = true
    /// ChangeAvailability Inoperative received during a session: applied when it ends.
    var pendingInoperative = false
    var since: Date
    var session: ActiveSession?
    var remoteStartTag: String?
    /// OCPP 2.0.1: the remoteStartId of the RequestStartTransaction that `remoteStartTag` came from.
    var remoteStartId: Int?
    /// OCPP 2.0.1: the connector status (ConnectorStatusEnumType) last sent on this connection.
    var lastStatus201: String?
    /// OCPP 2.0.1: the problem the CSMS was last told about through NotifyEvent (kept across connections).
    var raisedCondition201: ConnectorCondition?
    var stopRequest: StopReason?
    var registerWh: Double
    var socStall = false
    var zeroPower = false
    var lastReported: ReportedStatus?
    var lastMeterDate: Date?
    var lastLoadSend: ContinuousClock.Instant?

    init(registerWh: Double, since: Date) {
        self.registerWh = registerWh
        self.since = since
    }

    var effectiveStatus: ChargePointStatus {
        if fault != nil { return .faulted }
        if !operative, session == nil, phase == .available { return .unavailable }
        return phase
    }

    var condition: ConnectorCondition? { fault ?? warning }
}

extension SimulatedChargePoint {
    // MARK: Status

    /// Changes a connector's session phase (the change time is kept for the StatusNotification timestamp).
    func setPhase(_ connector: Int, _ phase: ChargePointStatus) {
        guard connectors.indices.contains(connector) else { return }
        let before = connectors[connector].effectiveStatus
        connectors[connector].phase = phase
        if connectors[connector].effectiveStatus != before { connectors[connector].since = clock.wallTime() }
    }

    /// Brings the CSMS's view of a connector up to date: sends a StatusNotification with the *current* state if it
    /// differs from the last one reported. Safe to call from several tasks; they converge on the latest state.
    func reportStatus(_ connector: Int) async {
        guard connectors.indices.contains(connector) else { return }
        if is201 {
            await reportStatus201(connector)
            return
        }
        var reported: ReportedStatus?
        do {
            _ = try await callBuilding("StatusNotification") {
                let state = connectors[connector]
                let current = ReportedStatus(status: state.effectiveStatus, condition: state.condition)
                guard current != state.lastReported else { return nil }
                reported = current
                connectors[connector].lastReported = current
                let condition = state.condition
                return ChargePointMessages.statusNotification(
                    connectorId: connector, status: current.status, errorCode: condition?.errorCode ?? .noError,
                    info: condition?.info, vendorId: condition?.vendorId, vendorErrorCode: condition?.vendorErrorCode,
                    timestamp: state.since)
            }
        } catch {
            // Not delivered: make the next report resend it.
            if let reported, connectors[connector].lastReported == reported { connectors[connector].lastReported = nil }
        }
    }

    /// Reports a status change from a synchronous context (incoming CALL handlers).
    func reportStatusLater(_ connector: Int) {
        spawn { await self.reportStatus(connector) }
    }

    // MARK: Sessions

    func canStartSession(_ connector: Int) -> Bool {
        let charger = connectors[0]
        let state = connectors[connector]
        return charger.fault == nil && charger.operative && state.fault == nil && state.operative
            && state.session == nil && state.phase == .available && isReady
    }

    /// Draws `mean · [low, high)`.
    func jittered(_ mean: Duration, _ low: Double, _ high: Double) -> Duration {
        .seconds(double: mean.timeInterval * (low + random.unit() * (high - low)))
    }

    func randomIdTag() -> String {
        if !settings.idTags.isEmpty {
            return settings.idTags[Int(random.next() % UInt64(settings.idTags.count))]
        }
        let hex = String(random.next() & 0xFFFF_FFFF_FFFF, radix: 16, uppercase: true)
        return "04" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// Consumes one `failed-start` attempt for this connector, if any is pending.
    func consumeFailedStart(_ connector: Int) -> Bool {
        guard let index = failedStartBudget.firstIndex(where: { $0.connector == nil || $0.connector == connector }) else {
            return false
        }
        failedStartBudget[index].remaining -= 1
        if failedStartBudget[index].remaining <= 0 { failedStartBudget.remove(at: index) }
        return true
    }

    var meterInterval: Duration {
        configuration.meterValueSampleInterval > 0 ? .seconds(configuration.meterValueSampleInterval) : Scenario.forever
    }

    /// Idle → session → idle… on one connector, for as long as the charger runs.
    func sessionLoop(_ connector: Int) async {
        var first = true
        while !Task.isCancelled, !stopping {
            if connectors[connector].remoteStartTag == nil {
                // The first gap is drawn from [0, idle] so a fleet does not start all sessions together.
                let idle = first ? jittered(settings.idleBetweenSessions, 0, 1) : jittered(settings.idleBetweenSessions, 0.5, 1.5)
                first = false
                if await wait(.connector(connector), for: idle) == .cancelled { return }
            }
            if !isReady {
                connectors[connector].remoteStartTag = nil
                guard await suspend(.ready) else { return }
                continue
            }
            guard canStartSession(connector) else {
                connectors[connector].remoteStartTag = nil
                continue
            }
            await runSession(connector)
        }
    }

    /// Preparing → Authorize → StartTransaction → Charging with MeterValues → StopTransaction → Finishing → Available.
    /// How every session starts, whatever the protocol: Preparing, a scheduled failed start,
    /// Authorize (which a remote start may skip), and a last check for a stop request or a fault.
    /// Returns the id tag to charge with, or nil when the session does not go ahead (the connector
    /// is back to Available, or the charger is stopping).
    func beginSession(_ connector: Int, remoteTag: String?) async -> String? {
        connectors[connector].stopRequest = nil
        let idTag = remoteTag ?? randomIdTag()

        setPhase(connector, .preparing)
        await reportStatus(connector)
        if await wait(.connector(connector), for: .seconds(3)) == .cancelled { return nil }

        if consumeFailedStart(connector) {
            // The vehicle never starts drawing; the driver gives up and unplugs.
            logger.debug("failed start", metadata: ["connector": "\(connector)"])
            if await wait(.connector(connector), for: .seconds(20)) == .cancelled { return nil }
            await backToAvailable(connector)
            return nil
        }
        if remoteTag == nil || configuration.authorizeRemoteTxRequests {
            let (request, infoKey) = is201
                ? (ChargePointMessages201.authorize(idToken: idTag), "idTokenInfo")
                : (ChargePointMessages.authorize(idTag: idTag), "idTagInfo")
            do {
                let response = try await call("Authorize", request)
                guard response[infoKey]?["status"]?.stringValue == "Accepted" else {
                    await backToAvailable(connector)
                    return nil
                }
            } catch {
                if error == .cancelled { return nil }
                await backToAvailable(connector)
                return nil
            }
        }
        guard connectors[connector].stopRequest == nil, connectors[connector].fault == nil else {
            await backToAvailable(connector)
            return nil
        }
        return idTag
    }

    func backToAvailable(_ connector: Int) async {
        setPhase(connector, .available)
        connectors[connector].stopRequest = nil
        await reportStatus(connector)
    }

    func runSession(_ connector: Int) async {
        if is201 {
            await runSession201(connector)
            return
        }
        let remoteTag = connectors[connector].remoteStartTag
        connectors[connector].remoteStartTag = nil
        guard let idTag = await beginSession(connector, remoteTag: remoteTag) else { return }
        func backToAvailable() async { await self.backToAvailable(connector) }

        var model = ChargingSessionModel.random(kind: profile.kind, connectorMaxW: profile.maxPowerW, phases: profile.phases,
                                                registerWh: connectors[connector].registerWh, using: &random)
        let meterStart = Int(connectors[connector].registerWh.rounded(.down))
        let startDate = clock.wallTime()
        let transactionId: Int
        let accepted: Bool
        do {
            let response = try await call("StartTransaction",
                                          ChargePointMessages.startTransaction(connectorId: connector, idTag: idTag,
                                                                               meterStartWh: meterStart, timestamp: startDate),
                                          whenOffline: .wait)
            guard let id = response["transactionId"]?.numberValue, id.rounded() == id, abs(id) < 2e9 else {
                await backToAvailable()
                return
            }
            transactionId = Int(id)
            accepted = response["idTagInfo"]?["status"]?.stringValue == "Accepted"
        } catch {
            if error == .cancelled { return }
            await backToAvailable()
            return
        }

        let now = clock.simulatedSeconds()
        model.advance(seconds: 0)
        connectors[connector].session = ActiveSession(
            transactionId: transactionId, idTag: idTag, model: model, startedAt: now,
            plannedSeconds: jittered(settings.sessionDuration, 0.7, 1.3).timeInterval, lastSampleAt: now)
        counters.sessionsStarted.increment()
        logger.debug("session started", metadata: ["connector": "\(connector)", "transactionId": "\(transactionId)"])
        setPhase(connector, .charging)
        await reportStatus(connector)

        var reason: StopReason = accepted ? .local : .deAuthorized
        if accepted {
            while true {
                let outcome = await wait(.connector(connector), for: meterInterval)
                if outcome == .cancelled { return }
                if let requested = connectors[connector].stopRequest {
                    reason = requested
                    break
                }
                guard let sample = advanceSession(connector) else { return }
                if outcome == .timeout {
                    await sendMeterValues(connector, sample: sample, context: "Sample.Periodic")
                }
                guard let session = connectors[connector].session else { return }
                if session.model.isFull {
                    reason = .evDisconnected
                    break
                }
                if clock.simulatedSeconds() - session.startedAt >= session.plannedSeconds {
                    reason = random.unit() < 0.5 ? .local : .evDisconnected
                    break
                }
            }
        }
        await finishSession(connector, reason: reason)
    }

    /// Advances the running session's model to now and updates the register; returns the sample.
    func advanceSession(_ connector: Int) -> MeterSample? {
        guard var session = connectors[connector].session else { return nil }
        let now = clock.simulatedSeconds()
        session.model.socStalled = connectors[connector].socStall
        session.model.zeroPower = connectors[connector].zeroPower
        let sample = session.model.advance(seconds: now - session.lastSampleAt)
        session.lastSampleAt = now
        connectors[connector].session = session
        connectors[connector].registerWh = max(connectors[connector].registerWh, sample.energyWh)
        return sample
    }

    /// StopTransaction (queued while offline), Finishing, then Available once the cable is unplugged.
    func finishSession(_ connector: Int, reason: StopReason) async {
        guard let sample = advanceSession(connector), let session = connectors[connector].session else { return }
        let stopDate = nextMeterDate(connector)
        let payload = ChargePointMessages.stopTransaction(
            transactionId: session.transactionId, meterStopWh: Int(sample.energyWh.rounded(.down)), timestamp: stopDate,
            reason: reason, idTag: reason == .local || reason == .deAuthorized ? session.idTag : nil,
            transactionData: [ChargePointMessages.meterValue(sample, timestamp: stopDate, context: "Transaction.End",
                                                             measurands: measurandSet(configuration.stopTxnSampledData))])
        connectors[connector].session = nil
        connectors[connector].stopRequest = nil
        setPhase(connector, .finishing)
        stopTransactionsInFlight += 1
        let stopped = await deliverTransactionMessage("StopTransaction", payload)
        stopTransactionsInFlight -= 1
        if stopped { counters.sessionsCompleted.increment() }
        logger.debug("session stopped", metadata: ["connector": "\(connector)", "reason": "\(reason.rawValue)"])
        await reportStatus(connector)
        if reason != .hardReset, reason != .softReset, reason != .reboot {
            if await wait(.connector(connector), for: .seconds(10)) == .cancelled { return }
        }
        setPhase(connector, .available)
        if connectors[connector].pendingInoperative {
            connectors[connector].pendingInoperative = false
            connectors[connector].operative = false
            connectors[connector].since = clock.wallTime()
        }
        await reportStatus(connector)
    }

    /// Sends a transaction message the way OCPP 1.6 asks (§4.10): queued while offline, re-sent after a lost
    /// connection, and retried after a timeout up to TransactionMessageAttempts times, TransactionMessageRetryInterval
    /// apart. False when it could not be delivered (or the CSMS answered with a CALLERROR).
    func deliverTransactionMessage(_ action: String, _ payload: JSONValue) async -> Bool {
        await deliverTransactionCall(action, payload) != nil
    }

    /// `deliverTransactionMessage` returning the CALLRESULT payload (nil when not delivered).
    func deliverTransactionCall(_ action: String, _ payload: JSONValue) async -> JSONValue? {
        var attempts = 0
        while true {
            do {
                return try await call(action, payload, whenOffline: .wait)
            } catch {
                switch error {
                case .disconnected:
                    continue
                case .timeout:
                    attempts += 1
                    guard attempts < max(1, configuration.transactionMessageAttempts) else { return nil }
                    let retry = Duration.seconds(configuration.transactionMessageRetryInterval * attempts)
                    do { try await clock.sleep(for: retry) } catch { return nil }
                case .offline, .cancelled, .callError:
                    return nil
                }
            }
        }
    }

    func measurandSet(_ list: String) -> Set<String>? {
        let items = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : Set(items)
    }

    /// A wall-clock timestamp strictly after the connector's previous meter timestamp (millisecond resolution).
    func nextMeterDate(_ connector: Int) -> Date {
        var date = clock.wallTime()
        if let last = connectors[connector].lastMeterDate, date.timeIntervalSince(last) < 0.001 {
            date = last.addingTimeInterval(0.001)
        }
        connectors[connector].lastMeterDate = date
        return date
    }

    /// MeterValues for a connector (with the running transaction, if any); dropped when offline.
    func sendMeterValues(_ connector: Int, sample: MeterSample, context: String) async {
        if is201 {
            await sendMeterValues201(connector, sample: sample, context: context)
            return
        }
        let transactionId = connectors[connector].session?.transactionId
        let date = nextMeterDate(connector)
        let value = ChargePointMessages.meterValue(sample, timestamp: date, context: context,
                                                   measurands: measurandSet(configuration.meterValuesSampledData))
        _ = try? await call("MeterValues", ChargePointMessages.meterValues(connectorId: connector, transactionId: transactionId,
                                                                        meterValue: [value]))
    }

    /// The current reading of a connector without advancing time (idle connectors report their register at 0 W).
    func currentSample(_ connector: Int) -> MeterSample {
        if let session = connectors[connector].session { return session.model.sample }
        let voltage = profile.kind == .ac ? 230.0 : 0
        return MeterSample(energyWh: connectors[connector].registerWh, powerW: 0, currentA: 0, voltageV: voltage,
                           socPercent: nil)
    }

    /// Asks every running session to stop with `reason` and waits (up to ~30 simulated seconds) for them to end.
    func stopAllSessions(reason: StopReason, waitForStop: Bool) async {
        for connector in connectors.indices where connectors[connector].session != nil {
            connectors[connector].stopRequest = reason
            wake(.connector(connector))
        }
        guard waitForStop else { return }
        for _ in 0..<60 where connectors.contains(where: { $0.session != nil }) || stopTransactionsInFlight > 0 {
            do { try await clock.sleep(for: .milliseconds(500)) } catch { return }
        }
    }
}

