import ChargeBusContract
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import ChargeBusSimulator

/// A hand-made profile so tests do not depend on the seeded fleet mix.
func testProfile(_ kind: ChargerProfile.Kind = .ac, connectors: Int = 1, index: Int = 1) -> ChargerProfile {
    ChargerProfile(index: index, id: ChargerProfile.chargerID(prefix: "SIM", index: index), kind: kind,
                   connectorCount: connectors, maxPowerW: kind == .ac ? 22_000 : 150_000, phases: kind == .ac ? 3 : 0,
                   model: kind == .ac ? "SimAC-22" : "SimDC-150", serialNumber: "CBS-TEST\(index)",
                   firmwareVersion: "1.4.2", meterSerialNumber: "MCBS-TEST\(index)",
                   initialRegistersWh: Array(repeating: 1_000_000, count: connectors))
}

/// Runs a charge point for the duration of `body`.
func withChargePoint(_ csms: TestCSMS, profile: ChargerProfile = testProfile(), password: String? = nil,
                     speed: Double = 100, automaticSessions: Bool = false, meterInterval: Duration = .seconds(10),
                     sessionDuration: Duration = .seconds(60), idle: Duration = .seconds(5), scenarios: [Scenario] = [],
                     callTimeout: Duration = .seconds(5),
                     _ body: (SimulatedChargePoint) async throws -> Void) async throws {
    let settings = ChargePointSettings(
        endpoint: try CSMSEndpoint(url: csms.url), password: password, meterInterval: meterInterval,
        sessionDuration: sessionDuration, idleBetweenSessions: idle, automaticSessions: automaticSessions,
        callTimeout: callTimeout, reconnectBackoffMin: .milliseconds(50), reconnectBackoffMax: .milliseconds(500),
        reconnectJitter: .milliseconds(20), seed: 11)
    let chargePoint = SimulatedChargePoint(profile: profile, settings: settings, scenarios: scenarios,
                                           clock: ScaledClock(speed: speed), group: MultiThreadedEventLoopGroup.singleton)
    let task = Task { await chargePoint.run() }
    do {
        try await body(chargePoint)
    } catch {
        task.cancel()
        await task.value
        throw error
    }
    task.cancel()
    await task.value
}

extension JSONValue {
    var intValue: Int? { numberValue.map { Int($0) } }
}

/// The measurand → value map of the first MeterValue of a MeterValues payload.
func sampledValues(_ payload: JSONValue) -> [String: String] {
    guard case .array(let meterValues)? = payload["meterValue"], case .array(let sampled)? = meterValues.first?["sampledValue"] else {
        return [:]
    }
    var result: [String: String] = [:]
    for value in sampled {
        if let measurand = value["measurand"]?.stringValue, let text = value["value"]?.stringValue { result[measurand] = text }
    }
    return result
}

func statuses(_ csms: TestCSMS, _ chargerID: String = "SIM00001", connector: Int) -> [JSONValue] {
    csms.calls(from: chargerID, action: "StatusNotification").map(\.payload).filter { $0["connectorId"]?.intValue == connector }
}

@Suite("End to end against an in-test CSMS")
struct EndToEndTests {
    @Test func bootHeartbeatStatusAndSession() async throws {
        let csms = try await TestCSMS.start(behavior: .init(password: "s3cret-key-123456", heartbeatInterval: 10))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, password: "s3cret-key-123456", automaticSessions: true) { chargePoint in
            let finished = await eventually(timeout: .seconds(10)) {
                let connector1 = statuses(csms, connector: 1).compactMap { $0["status"]?.stringValue }
                return !csms.calls(action: "StopTransaction").isEmpty && connector1.last == "Available" && connector1.count >= 5
            }
            #expect(finished)
            #expect(await chargePoint.isReady)
        }

        let upgrade = try #require(csms.upgrades.first)
        #expect(upgrade.path == "/ocpp/SIM00001")
        #expect(upgrade.subprotocol == "ocpp1.6")
        #expect(upgrade.authorization == "Basic " + Data("SIM00001:s3cret-key-123456".utf8).base64EncodedString())

        let calls = csms.calls(from: "SIM00001")
        let boot = try #require(calls.first)
        #expect(boot.action == "BootNotification")
        #expect(boot.payload["chargePointVendor"] == .string("ChargeBusSim"))
        #expect(boot.payload["chargePointModel"] == .string("SimAC-22"))
        #expect(boot.payload["chargePointSerialNumber"] == .string("CBS-TEST1"))
        #expect(boot.payload["firmwareVersion"] == .string("1.4.2"))
        #expect(calls.filter { $0.action == "BootNotification" }.count == 1)
        #expect(statuses(csms, connector: 0).first?["status"] == .string("Available"))
        #expect(!csms.calls(action: "Heartbeat").isEmpty, "heartbeat every 10 simulated seconds")

        // Authorize → StartTransaction → MeterValues (same transaction, rising energy) → StopTransaction.
        let actions = calls.map(\.action)
        let authorizeIndex = try #require(actions.firstIndex(of: "Authorize"))
        let startIndex = try #require(actions.firstIndex(of: "StartTransaction"))
        let stopIndex = try #require(actions.firstIndex(of: "StopTransaction"))
        #expect(authorizeIndex < startIndex && startIndex < stopIndex)
        let start = calls[startIndex].payload
        #expect(start["connectorId"] == .number(1))
        #expect(start["meterStart"] == .number(1_000_000))
        #expect(start["idTag"] == calls[authorizeIndex].payload["idTag"])
        let transactionId = 1001

        let meterValues = calls[startIndex..<stopIndex].filter { $0.action == "MeterValues" }.map(\.payload)
        #expect(meterValues.count >= 2)
        var lastEnergy = 0.0
        for payload in meterValues {
            #expect(payload["transactionId"] == .number(Double(transactionId)))
            let values = sampledValues(payload)
            let energy = try #require(Double(values["Energy.Active.Import.Register"] ?? ""))
            #expect(energy > lastEnergy)
            lastEnergy = energy
            #expect(Double(values["Power.Active.Import"] ?? "")! > 7_000)
            #expect(values["Current.Import"] != nil && values["Voltage"] != nil)
            #expect(values["SoC"] == nil, "AC chargers report no SoC")
        }
        let stop = calls[stopIndex].payload
        #expect(stop["transactionId"] == .number(Double(transactionId)))
        #expect(Double(stop["meterStop"]!.intValue!) >= lastEnergy.rounded(.down))
        #expect(["Local", "EVDisconnected"].contains(stop["reason"]?.stringValue ?? ""))

        let flow = statuses(csms, connector: 1).compactMap { $0["status"]?.stringValue }
        #expect(Array(flow.prefix(5)) == ["Available", "Preparing", "Charging", "Finishing", "Available"])
    }

    @Test func oneOutstandingCallAtATimeWithTimeout() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 5, unanswered: ["Heartbeat"]))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, callTimeout: .milliseconds(300)) { chargePoint in
            #expect(await eventually { !csms.calls(action: "Heartbeat").isEmpty })
            // The CALLRESULT to a CSMS call is not held back, but our StatusNotification waits for the heartbeat.
            #expect(try await csms.call("SIM00001", "TriggerMessage", .object(["requestedMessage": .string("StatusNotification"),
                                                                             "connectorId": .number(1)])).payloadStatus == "Accepted")
            #expect(await eventually { statuses(csms, connector: 1).count == 2 })
            let calls = csms.messages.filter { if case .call = $0.frame { return true } else { return false } }
            let heartbeat = try #require(calls.firstIndex { if case .call(_, "Heartbeat", _) = $0.frame { return true } else { return false } })
            let next = try #require(calls.indices.first { $0 > heartbeat })
            #expect(calls[next].at - calls[heartbeat].at >= .milliseconds(250), "no CALL while one is outstanding")
            #expect(chargePoint.counters.callTimeouts.load(ordering: .relaxed) >= 1)
        }
    }

    @Test func refusedUpgradesAreTypedErrors() async throws {
        let csms = try await TestCSMS.start(behavior: .init(password: "right-password-16", knownIDs: ["SIM00001"]))
        defer { Task { await csms.stop() } }
        let endpoint = try CSMSEndpoint(url: csms.url)
        let group = MultiThreadedEventLoopGroup.singleton
        await #expect(throws: SimulatorConnectionError.upgradeRefused(status: 401, reason: "Unauthorized")) {
            _ = try await OCPPWebSocketClient.connect(endpoint: endpoint, chargePointID: "SIM00001", password: "wrong", group: group)
        }
        await #expect(throws: SimulatorConnectionError.upgradeRefused(status: 401, reason: "Unauthorized")) {
            _ = try await OCPPWebSocketClient.connect(endpoint: endpoint, chargePointID: "SIM00001", password: nil, group: group)
        }
        await #expect(throws: SimulatorConnectionError.upgradeRefused(status: 404, reason: "Not Found")) {
            _ = try await OCPPWebSocketClient.connect(endpoint: endpoint, chargePointID: "SIM00002", password: "right-password-16",
                                                      group: group)
        }
        let noProtocol = try await TestCSMS.start(behavior: .init(agreeSubprotocol: false))
        defer { Task { await noProtocol.stop() } }
        await #expect(throws: SimulatorConnectionError.subprotocolNotAgreed(nil)) {
            _ = try await OCPPWebSocketClient.connect(endpoint: try CSMSEndpoint(url: noProtocol.url), chargePointID: "SIM00001",
                                                      password: nil, group: group)
        }
        // Nothing listening: a NIO connect error, not a SimulatorConnectionError.
        await #expect(throws: (any Error).self) {
            _ = try await OCPPWebSocketClient.connect(endpoint: CSMSEndpoint(host: "127.0.0.1", port: 1), chargePointID: "SIM00001",
                                                      password: nil, group: group, timeout: .seconds(2))
        }
        let connection = try await OCPPWebSocketClient.connect(endpoint: endpoint, chargePointID: "SIM00001",
                                                               password: "right-password-16", group: group)
        try await connection.channel.close()

        // The simulator keeps retrying with backoff and counts the refusals.
        let simulator = try Simulator(configuration: .init(url: csms.url, chargers: 1, password: "wrong-password-123",
                                                           reconnectBackoffMin: .milliseconds(50),
                                                           reconnectBackoffMax: .milliseconds(200)),
                                      eventLoopGroup: group)
        let run = Task { try await simulator.run() }
        #expect(await eventually { simulator.statistics().authenticationFailures >= 2 })
        let error = await simulator.chargePoints[0].lastConnectionError
        #expect(error as? SimulatorConnectionError == .upgradeRefused(status: 401, reason: "Unauthorized"))
        #expect(simulator.statistics().connected == 0)
        simulator.stop()
        try await run.value
    }

    @Test func answersConfigurationAndMiscCalls() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 10))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, profile: testProfile(.dc, connectors: 2)) { chargePoint in
            #expect(await eventually { await chargePoint.isReady && statuses(csms, connector: 2).count == 1 })
            let id = "SIM00001"

            let one = try await csms.call(id, "GetConfiguration", .object(["key": .array([.string("HeartbeatInterval")])]))
            guard case .callResult(_, let config) = one else { Issue.record("\(one)"); return }
            #expect(config["configurationKey"] == .array([.object(["key": .string("HeartbeatInterval"), "readonly": .bool(false),
                                                                   "value": .string("10")])]))
            let all = try await csms.call(id, "GetConfiguration", .object([:]))
            guard case .callResult(_, let allConfig) = all, case .array(let keys)? = allConfig["configurationKey"] else {
                Issue.record("\(all)")
                return
            }
            #expect(keys.contains { $0["key"] == .string("MeterValueSampleInterval") && $0["value"] == .string("10") })
            #expect(keys.contains { $0["key"] == .string("NumberOfConnectors") && $0["value"] == .string("2") })

            #expect(try await csms.call(id, "ChangeConfiguration", .object(["key": .string("HeartbeatInterval"), "value": .string("5")]))
                    .payloadStatus == "Accepted")
            #expect(try await csms.call(id, "ChangeConfiguration", .object(["key": .string("Colour"), "value": .string("red")]))
                    .payloadStatus == "NotSupported")
            #expect(try await csms.call(id, "ClearCache", .object([:])).payloadStatus == "Accepted")
            #expect(try await csms.call(id, "DataTransfer", .object(["vendorId": .string("ChargeBusSim"), "data": .string("x")]))
                    .payloadStatus == "Accepted")
            #expect(try await csms.call(id, "DataTransfer", .object(["vendorId": .string("com.other")])).payloadStatus == "UnknownVendorId")
            #expect(try await csms.call(id, "UnlockConnector", .object(["connectorId": .number(1)])).payloadStatus == "Unlocked")
            #expect(try await csms.call(id, "UnlockConnector", .object(["connectorId": .number(9)])).payloadStatus == "NotSupported")

            let unknown = try await csms.call(id, "SetChargingProfile", .object(["connectorId": .number(1)]))
            guard case .callError(_, let code, _, _) = unknown else { Issue.record("\(unknown)"); return }
            #expect(code == "NotImplemented")
            let malformed = try await csms.call(id, "Reset", .object([:]))
            guard case .callError(_, let malformedCode, _, _) = malformed else { Issue.record("\(malformed)"); return }
            #expect(malformedCode == "OccurenceConstraintViolation")

            // TriggerMessage sends the requested message.
            let before = statuses(csms, connector: 1).count
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("StatusNotification"),
                                                                       "connectorId": .number(1)])).payloadStatus == "Accepted")
            #expect(await eventually { statuses(csms, connector: 1).count == before + 1 })
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("MeterValues"),
                                                                       "connectorId": .number(2)])).payloadStatus == "Accepted")
            #expect(await eventually {
                csms.calls(action: "MeterValues").contains { $0.payload["connectorId"] == .number(2) }
            })
            let triggered = try #require(csms.calls(action: "MeterValues").last?.payload)
            guard case .array(let mv)? = triggered["meterValue"], case .array(let sv)? = mv.first?["sampledValue"] else { return }
            #expect(sv.first?["context"] == .string("Trigger"))
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("Heartbeat")])).payloadStatus == "Accepted")
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("Bogus")])).payloadStatus == "NotImplemented")
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("StatusNotification"),
                                                                       "connectorId": .number(7)])).payloadStatus == "Rejected")

            // ChangeAvailability: Unavailable, then Available again.
            #expect(try await csms.call(id, "ChangeAvailability", .object(["connectorId": .number(2), "type": .string("Inoperative")]))
                    .payloadStatus == "Accepted")
            #expect(await eventually { statuses(csms, connector: 2).last?["status"] == .string("Unavailable") })
            #expect(try await csms.call(id, "ChangeAvailability", .object(["connectorId": .number(2), "type": .string("Operative")]))
                    .payloadStatus == "Accepted")
            #expect(await eventually { statuses(csms, connector: 2).last?["status"] == .string("Available") })

            // Pings are answered with pongs.
            try await csms.ping(id)
            #expect(await eventually { csms.pongCount(id) == 1 })
        }
    }

    @Test func remoteStartAndStop() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, profile: testProfile(.dc), sessionDuration: .seconds(3600)) { chargePoint in
            #expect(await eventually { await chargePoint.isReady })
            let id = "SIM00001"
            #expect(try await csms.call(id, "RemoteStartTransaction", .object(["idTag": .string("REMOTE-TAG-1"), "connectorId": .number(1)]))
                    .payloadStatus == "Accepted")
            #expect(await eventually { await chargePoint.transactionID(connector: 1) != nil })
            let start = try #require(csms.calls(action: "StartTransaction").first?.payload)
            #expect(start["idTag"] == .string("REMOTE-TAG-1"))
            #expect(csms.calls(action: "Authorize").isEmpty, "AuthorizeRemoteTxRequests is false")
            // A second remote start on the busy connector is rejected.
            #expect(try await csms.call(id, "RemoteStartTransaction", .object(["idTag": .string("X"), "connectorId": .number(1)]))
                    .payloadStatus == "Rejected")
            // DC meter values carry a rising SoC.
            #expect(await eventually { csms.calls(action: "MeterValues").count >= 3 })
            let socs = csms.calls(action: "MeterValues").compactMap { Double(sampledValues($0.payload)["SoC"] ?? "") }
            #expect(socs.count >= 3)
            #expect(socs.last! > socs.first!)

            let transactionId = try #require(await chargePoint.transactionID(connector: 1))
            #expect(try await csms.call(id, "RemoteStopTransaction", .object(["transactionId": .number(9999)])).payloadStatus == "Rejected")
            #expect(try await csms.call(id, "RemoteStopTransaction", .object(["transactionId": .number(Double(transactionId))]))
                    .payloadStatus == "Accepted")
            #expect(await eventually { !csms.calls(action: "StopTransaction").isEmpty })
            let stop = try #require(csms.calls(action: "StopTransaction").first?.payload)
            #expect(stop["reason"] == .string("Remote"))
            #expect(stop["transactionId"] == .number(Double(transactionId)))
            #expect(await eventually { statuses(csms, connector: 1).last?["status"] == .string("Available") })
        }
    }

    @Test func resetFirmwareAndDiagnostics() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 60))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms) { chargePoint in
            #expect(await eventually { await chargePoint.isReady })
            let id = "SIM00001"
            let diagnostics = try await csms.call(id, "GetDiagnostics", .object(["location": .string("ftp://diag.example/")]))
            guard case .callResult(_, let payload) = diagnostics else { Issue.record("\(diagnostics)"); return }
            #expect(payload["fileName"]?.stringValue?.hasPrefix("diagnostics-SIM00001-") == true)
            #expect(await eventually {
                csms.calls(action: "DiagnosticsStatusNotification").compactMap { $0.payload["status"]?.stringValue } == ["Uploading", "Uploaded"]
            })

            let update = try await csms.call(id, "UpdateFirmware", .object([
                "location": .string("https://fw.example/simac-1.5.0.bin"),
                "retrieveDate": .string(Timestamp.format(Date())),
            ]))
            guard case .callResult(_, let updatePayload) = update else { Issue.record("\(update)"); return }
            #expect(updatePayload == .object([:]))
            #expect(await eventually {
                csms.calls(action: "FirmwareStatusNotification").compactMap { $0.payload["status"]?.stringValue }
                    == ["Downloading", "Downloaded", "Installing", "Installed"]
            })
            // Installing ends with a reboot: a new connection and a BootNotification with the new version.
            #expect(await eventually { csms.calls(action: "BootNotification").count == 2 })
            #expect(csms.calls(action: "BootNotification").last?.payload["firmwareVersion"] == .string("1.5.0"))
            #expect(csms.connectionCount(id) == 2)

            #expect(try await csms.call(id, "Reset", .object(["type": .string("Soft")])).payloadStatus == "Accepted")
            #expect(await eventually { csms.calls(action: "BootNotification").count == 3 && csms.connectionCount(id) == 3 })
            #expect(await eventually { await chargePoint.isReady })
        }
    }
}

extension OCPPFrame {
    /// `status` of a CALLRESULT payload (nil for CALLERROR).
    var payloadStatus: String? {
        if case .callResult(_, let payload) = self { return payload["status"]?.stringValue }
        return nil
    }
}
