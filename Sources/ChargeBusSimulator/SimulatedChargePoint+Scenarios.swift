import Foundation

extension SimulatedChargePoint {
    /// Waits for the scenario's start time (unless `immediately`), then plays it on this charger.
    func runScenario(_ scenario: Scenario, immediately: Bool = false) async {
        if !immediately {
            let elapsed = clock.simulatedSeconds() - scenarioEpoch
            let delay = scenario.after.timeInterval - elapsed
            do {
                if delay > 0 { try await clock.sleep(for: .seconds(double: delay)) }
            } catch {
                return
            }
        }
        guard !Task.isCancelled, !stopping else { return }
        if beginStateScenario(scenario) {
            await endStateScenarioAfterHold(scenario)
            return
        }
        logger.debug("scenario starts", metadata: ["scenario": "\(scenario)"])
        let duration = scenario.effectiveDuration

        func hold() async -> Bool { await holdScenario(scenario) }

        switch scenario.kind {
        case .fault:
            let connector = min(max(0, scenario.connector ?? 1), profile.connectorCount)
            let condition = ConnectorCondition(errorCode: scenario.effectiveErrorCode, info: scenario.effectiveInfo,
                                               vendorId: scenario.effectiveVendorId,
                                               vendorErrorCode: scenario.effectiveVendorErrorCode)
            setFault(connector, condition)
            let affected = connector == 0 ? Array(connectors.indices.dropFirst()) : [connector]
            for target in affected where connectors[target].session != nil {
                connectors[target].stopRequest = .other
                wake(.connector(target))
            }
            await reportStatus(connector)
            guard await hold() else { return }
            setFault(connector, nil)
            await reportStatus(connector)

        case .disconnect:
            guard await waitUntilConnected() else { return }
            logger.debug("scenario disconnect", metadata: ["for": "\(duration)"])
            dropConnection(reconnectAfter: duration)

        case .silent:
            guard await waitUntilConnected() else { return }
            silent = true
            guard await hold() else { return }
            silent = false
            // A real charger's watchdog notices the dead link and reconnects.
            dropConnection(reconnectAfter: .seconds(1))

        case .socStall, .zeroPower, .failedStart:
            break  // handled by beginStateScenario

        case .weakSignal:
            let connector = min(max(0, scenario.connector ?? 0), profile.connectorCount)
            connectors[connector].warning = ConnectorCondition(errorCode: .weakSignal, info: scenario.effectiveInfo)
            connectors[connector].since = clock.wallTime()
            await reportStatus(connector)
            guard await hold() else { return }
            connectors[connector].warning = nil
            connectors[connector].since = clock.wallTime()
            await reportStatus(connector)

        case .bootLoop:
            for _ in 0..<scenario.effectiveCount {
                repeat {
                    guard await waitUntilConnected() else { return }
                    do { try await clock.sleep(for: scenario.effectiveInterval) } catch { return }
                } while !isReady
                await reboot(reason: .reboot, graceful: false, reconnectAfter: .seconds(2), bootReason: "Watchdog")
            }
        }
    }

    /// Sleeps for the scenario's duration; false when cancelled or when it lasts forever.
    func holdScenario(_ scenario: Scenario) async -> Bool {
        guard !scenario.lastsForever else {
            while !Task.isCancelled { try? await clock.sleep(for: .seconds(86_400)) }
            return false
        }
        do { try await clock.sleep(for: scenario.effectiveDuration) } catch { return false }
        return true
    }

    /// Starts the scenarios that only flip state (soc-stall, zero-power, failed-start) synchronously; false for others.
    func beginStateScenario(_ scenario: Scenario) -> Bool {
        switch scenario.kind {
        case .socStall, .zeroPower:
            logger.debug("scenario starts", metadata: ["scenario": "\(scenario)"])
            setAnomaly(scenario.kind, anomalyTargets(scenario), true)
            return true
        case .failedStart:
            logger.debug("scenario starts", metadata: ["scenario": "\(scenario)"])
            failedStartBudget.append((connector: scenario.connector, remaining: scenario.effectiveCount))
            return true
        default:
            return false
        }
    }

    /// Ends a state scenario after its duration.
    func endStateScenarioAfterHold(_ scenario: Scenario) async {
        guard scenario.kind == .socStall || scenario.kind == .zeroPower else { return }
        guard await holdScenario(scenario) else { return }
        setAnomaly(scenario.kind, anomalyTargets(scenario), false)
    }

    func anomalyTargets(_ scenario: Scenario) -> [Int] {
        let targets = scenario.connector.map { [$0] } ?? Array(1...max(1, profile.connectorCount))
        return targets.filter { $0 >= 1 && $0 <= profile.connectorCount }
    }

    func setFault(_ connector: Int, _ condition: ConnectorCondition?) {
        let before = connectors[connector].effectiveStatus
        connectors[connector].fault = condition
        if connectors[connector].effectiveStatus != before || condition != nil {
            connectors[connector].since = clock.wallTime()
        }
    }

    func setAnomaly(_ kind: Scenario.Kind, _ targets: [Int], _ on: Bool) {
        for target in targets {
            if kind == .socStall { connectors[target].socStall = on } else { connectors[target].zeroPower = on }
        }
    }

    /// Suspends until the charger is connected and booted; false when cancelled.
    func waitUntilConnected() async -> Bool {
        while !isReady {
            guard await suspend(.ready) else { return false }
        }
        return true
    }
}
