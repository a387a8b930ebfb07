import ChargeBusContract
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import ChargeBusSimulator

@Suite("Scenarios, fleet and load against an in-test CSMS")
struct ScenarioAndFleetTests {
    @Test func faultThenRecovery() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        let fault = try Scenario.parse(flag: "fault:SIM00001,vendorId=https://chargex.inl.gov,code=CX002,info=Ground,recover=20s")
        let weak = try Scenario.parse(flag: "weak-signal,for=20s")
        try await withChargePoint(csms) { chargePoint in
            #expect(await eventually { statuses(csms, connector: 0).count == 1 && statuses(csms, connector: 1).count == 1 })
            await chargePoint.play(fault)
            await chargePoint.play(weak)
            #expect(await eventually {
                statuses(csms, connector: 1).compactMap { $0["status"]?.stringValue } == ["Available", "Faulted", "Available"]
            })
            let faulted = statuses(csms, connector: 1)[1]
            #expect(faulted["errorCode"] == .string("OtherError"))
            #expect(faulted["vendorId"] == .string("https://chargex.inl.gov"))
            #expect(faulted["vendorErrorCode"] == .string("CX002"))
            #expect(faulted["info"] == .string("Ground"))
            #expect(statuses(csms, connector: 1)[2]["errorCode"] == .string("NoError"))

            #expect(await eventually {
                statuses(csms, connector: 0).compactMap { $0["errorCode"]?.stringValue } == ["NoError", "WeakSignal", "NoError"]
            })
            #expect(statuses(csms, connector: 0).allSatisfy { $0["status"] == .string("Available") })
        }
    }

    @Test func scheduledScenarioStartsAfterItsDelay() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        // 30 simulated seconds at speed 100: about 0.3 s after start.
        let started = ContinuousClock.now
        try await withChargePoint(csms, scenarios: [try Scenario.parse(flag: "fault@30s,code=F008")]) { _ in
            #expect(await eventually { statuses(csms, connector: 1).contains { $0["status"] == .string("Faulted") } })
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(statuses(csms, connector: 1).first { $0["status"] == .string("Faulted") }?["vendorErrorCode"] == .string("F008"))
        }
    }

    @Test func faultStopsARunningSession() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        let fault = Scenario(kind: .fault, errorCode: .groundFailure, duration: .seconds(30))
        try await withChargePoint(csms, automaticSessions: true, sessionDuration: .seconds(3600), idle: .seconds(1)) { chargePoint in
            #expect(await eventually { await chargePoint.transactionID(connector: 1) != nil })
            await chargePoint.play(fault)
            #expect(await eventually { !csms.calls(action: "StopTransaction").isEmpty })
            #expect(csms.calls(action: "StopTransaction").first?.payload["reason"] == .string("Other"))
            #expect(await eventually { statuses(csms, connector: 1).contains { $0["status"] == .string("Faulted") } })
            #expect(statuses(csms, connector: 1).first { $0["status"] == .string("Faulted") }?["errorCode"] == .string("GroundFailure"))
        }
    }

    @Test func silentKeepsTheSocketButSendsNothing() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 5))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms) { chargePoint in
            #expect(await eventually { csms.calls(action: "Heartbeat").count >= 2 })
            await chargePoint.play(Scenario(kind: .silent))
            #expect(await eventually { await !chargePoint.isReady })
            try await Task.sleep(for: .milliseconds(100))
            let count = csms.messages.count
            try await csms.ping("SIM00001")
            let call = try? await csms.call("SIM00001", "ClearCache", .object([:]), timeout: .milliseconds(400))
            #expect(call == nil, "no CALLRESULT while silent")
            #expect(csms.messages.count == count, "not even heartbeats")
            #expect(csms.pongCount("SIM00001") == 0, "not even pongs")
            #expect(csms.isConnected("SIM00001"), "the TCP connection stays open")
            #expect(await chargePoint.isConnected)
        }
    }

    @Test func disconnectAndBootLoop() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        let disconnect = try Scenario.parse(flag: "disconnect:SIM00001,for=20s")
        try await withChargePoint(csms) { chargePoint in
            #expect(await eventually { statuses(csms, connector: 1).count == 1 })
            await chargePoint.play(disconnect)
            // Statuses are sent again on the new connection.
            #expect(await eventually { csms.connectionCount("SIM00001") == 2 && statuses(csms, connector: 1).count == 2 })
            #expect(csms.calls(action: "BootNotification").count == 1, "a plain reconnect does not boot again")
        }

        let loopCSMS = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await loopCSMS.stop() } }
        let bootLoop = try Scenario.parse(flag: "boot-loop:1,count=2,interval=10s")
        try await withChargePoint(loopCSMS, scenarios: [bootLoop]) { _ in
            #expect(await eventually { loopCSMS.calls(action: "BootNotification").count == 3 })
            #expect(loopCSMS.connectionCount("SIM00001") == 3)
        }
    }

    @Test func failedStartSocStallAndZeroPower() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        let scenarios = [
            Scenario(kind: .failedStart, connector: 1, count: 1),
            Scenario(kind: .zeroPower, connector: 2),
        ]
        try await withChargePoint(csms, profile: testProfile(.dc, connectors: 2), automaticSessions: true,
                                  sessionDuration: .seconds(600), idle: .seconds(2), scenarios: scenarios) { chargePoint in
            @Sendable func meterCount(_ connector: Int) -> Int {
                csms.calls(action: "MeterValues").filter { $0.payload["connectorId"] == .number(Double(connector)) }.count
            }
            #expect(await eventually(timeout: .seconds(10)) { meterCount(1) >= 3 })
            await chargePoint.play(Scenario(kind: .socStall, connector: 1))
            let stalledFrom = meterCount(1)
            #expect(await eventually(timeout: .seconds(10)) { meterCount(1) >= stalledFrom + 4 && meterCount(2) >= 3 })
        }
        // Connector 1: the first attempt goes Preparing → Available without a transaction.
        let flow = statuses(csms, connector: 1).compactMap { $0["status"]?.stringValue }
        #expect(Array(flow.prefix(4)) == ["Available", "Preparing", "Available", "Preparing"])
        var connector1Events: [String] = []
        for (action, payload) in csms.calls(from: "SIM00001") where payload["connectorId"] == .number(1) {
            switch action {
            case "StatusNotification": connector1Events.append(payload["status"]?.stringValue ?? "?")
            case "StartTransaction": connector1Events.append("Start")
            default: break
            }
        }
        #expect(Array(connector1Events.prefix(6)) == ["Available", "Preparing", "Available", "Preparing", "Start", "Charging"])

        // Connector 1: SoC rises, then stalls while energy keeps rising.
        let samples1 = csms.calls(action: "MeterValues").filter { $0.payload["connectorId"] == .number(1) }.map { sampledValues($0.payload) }
        let socs = samples1.compactMap { Double($0["SoC"] ?? "") }
        let energies1 = samples1.compactMap { Double($0["Energy.Active.Import.Register"] ?? "") }
        #expect(socs.first! < socs.last!, "SoC rose before the stall")
        let tail = socs.suffix(3)
        #expect(Set(tail).count == 1, "SoC stalled: \(socs)")
        #expect(energies1.suffix(3).sorted() == Array(energies1.suffix(3)) && Set(energies1.suffix(3)).count == 3)

        // Connector 2: charging at 0 W with a flat register.
        let samples2 = csms.calls(action: "MeterValues").filter { $0.payload["connectorId"] == .number(2) }.map { sampledValues($0.payload) }
        #expect(samples2.allSatisfy { $0["Power.Active.Import"] == "0.0" && $0["Current.Import"] == "0.0" })
        #expect(Set(samples2.compactMap { $0["Energy.Active.Import.Register"] }).count == 1)
        #expect(statuses(csms, connector: 2).contains { $0["status"] == .string("Charging") })
    }

    @Test func fleetRampStatisticsReconnectAndGracefulStop() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        let port = csms.port
        let configuration = SimulatorConfiguration(
            url: csms.url, chargers: 20, acRatio: 0.5, seed: 3, idleBetweenSessions: .seconds(3600), speed: 10,
            rampPerSecond: 400, reconnectBackoffMin: .milliseconds(50), reconnectBackoffMax: .milliseconds(200))
        let simulator = try Simulator(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let run = Task { try await simulator.run() }
        #expect(await simulator.waitUntilReady(timeout: .seconds(10)))
        var statistics = simulator.statistics()
        #expect(statistics.connected == 20)
        #expect(statistics.ready == 20)
        #expect(statistics.boots == 20)
        #expect(statistics.framesSent > 20 && statistics.framesReceived > 20)
        #expect(Set(csms.upgrades.map(\.path)) == Set((1...20).map { "/ocpp/SIM" + String(format: "%05d", $0) }))
        #expect(Set(csms.calls(action: "BootNotification").compactMap { $0.payload["chargePointModel"]?.stringValue })
                == ["SimAC-22", "SimDC-150"])
        #expect(await simulator.readyChargePoints().count == 20)

        // The CSMS goes away and comes back on the same port: chargers reconnect with backoff, without rebooting.
        await csms.stop()
        #expect(await eventually { simulator.statistics().connected == 0 })
        // The port can be briefly taken: a charger reconnecting to a closed localhost port may be handed that
        // very port as its own source port (a TCP self-connect). Retry the bind for a moment.
        var restarted: TestCSMS?
        for attempt in 1...20 {
            do {
                restarted = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60), port: port)
                break
            } catch where attempt < 20 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let again = try #require(restarted)
        defer { Task { await again.stop() } }
        #expect(await simulator.waitUntilReady(timeout: .seconds(10)))
        #expect(await eventually { Set(again.upgrades.map(\.path)).count == 20 })
        #expect(again.calls(action: "BootNotification").isEmpty)
        #expect(await eventually { again.calls(action: "StatusNotification").count >= 40 })
        statistics = simulator.statistics()
        #expect(statistics.disconnects >= 20)

        simulator.stop()
        try await run.value
        #expect(simulator.statistics().connected == 0)
        #expect(await eventually {
            again.events.filter { if case .closeFrame(_, 1001) = $0 { return true } else { return false } }.count == 20
        }, "\(again.events)")
    }

    @Test func loadGeneratorHitsTheRateAndReportsEverySend() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 300))
        defer { Task { await csms.stop() } }
        let simulator = try Simulator(configuration: .init(url: csms.url, chargers: 8, seed: 4, rampPerSecond: 1000,
                                                           automaticSessions: false),
                                      eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let run = Task { try await simulator.run() }
        defer { simulator.stop() }
        #expect(await simulator.waitUntilReady(timeout: .seconds(10)))
        let sends = Mutex<[(String, Int, Double, ContinuousClock.Instant)]>([])
        let generator = LoadGenerator(simulator: simulator, rate: 200, duration: .seconds(1)) { charger, connector, energy, at in
            sends.withLock { $0.append((charger, connector, energy, at)) }
        }
        let report = await generator.run()
        #expect(report.chargers == 8)
        #expect((180...201).contains(report.sent), "\(report)")
        #expect(report.acknowledged == report.sent)
        #expect(report.failed == 0)
        #expect(report.achievedRate > 150 && report.achievedRate < 210, "\(report)")
        let p50 = try #require(report.roundTripP50)
        let p99 = try #require(report.roundTripP99)
        #expect(p50 > .zero && p50 <= p99)

        let observed = sends.withLock { $0 }
        #expect(observed.count == report.sent)
        var last: [String: Double] = [:]
        for (charger, connector, energy, _) in observed.sorted(by: { $0.3 < $1.3 }) {
            let key = "\(charger)/\(connector)"
            #expect(energy > last[key] ?? 0, "energy strictly increasing per connector")
            last[key] = energy
        }
        // Every send can be matched with the frame the CSMS received.
        #expect(await eventually { csms.calls(action: "MeterValues").count >= observed.count })
        var received = Set<String>()
        for message in csms.messages {
            guard case .call(_, "MeterValues", let payload) = message.frame,
                  let energy = sampledValues(payload)["Energy.Active.Import.Register"] else { continue }
            received.insert("\(message.chargerID)/\(payload["connectorId"]!.intValue!)/\(energy)")
        }
        for (charger, connector, energy, _) in observed {
            #expect(received.contains("\(charger)/\(connector)/\(Int(energy))"))
        }
        simulator.stop()
        try await run.value
    }
}
