import ChargeBusContract
import Foundation
import NIOPosix
import Synchronization
import Testing
@testable import ChargeBusSimulator

func testProfile201(_ kind: ChargerProfile.Kind = .ac, connectors: Int = 1, index: Int = 1) -> ChargerProfile {
    var profile = testProfile(kind, connectors: connectors, index: index)
    profile.protocolVersion = .ocpp201
    return profile
}

func statuses201(_ csms: TestCSMS, _ chargerID: String = "SIM00001", evse: Int) -> [String] {
    csms.calls(from: chargerID, action: "StatusNotification").map(\.payload)
        .filter { $0["evseId"]?.intValue == evse }.compactMap { $0["connectorStatus"]?.stringValue }
}

func transactionEvents(_ csms: TestCSMS, _ chargerID: String = "SIM00001") -> [JSONValue] {
    csms.calls(from: chargerID, action: "TransactionEvent").map(\.payload)
}

/// measurand → (value, context) of the first MeterValue of a 2.0.1 payload (TransactionEvent or MeterValues).
func sampled201(_ payload: JSONValue) -> [String: (value: Double, context: String?, unit: String?)] {
    guard case .array(let meterValues)? = payload["meterValue"], case .array(let sampled)? = meterValues.first?["sampledValue"] else {
        return [:]
    }
    var result: [String: (Double, String?, String?)] = [:]
    for value in sampled {
        if let measurand = value["measurand"]?.stringValue, let number = value["value"]?.numberValue {
            result[measurand] = (number, value["context"]?.stringValue, value["unitOfMeasure"]?["unit"]?.stringValue)
        }
    }
    return result
}

@Suite("OCPP 2.0.1 charging stations against the in-test CSMS")
struct OCPP201Tests {
    @Test func bootStatusAndTransactionEventSession() async throws {
        let csms = try await TestCSMS.start(behavior: .init(password: "s3cret-key-123456", heartbeatInterval: 10))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, profile: testProfile201(.dc), password: "s3cret-key-123456",
                                  automaticSessions: true) { chargePoint in
            let finished = await eventually(timeout: .seconds(15)) {
                transactionEvents(csms).contains { $0["eventType"]?.stringValue == "Ended" }
                    && statuses201(csms, evse: 1).last == "Available" && statuses201(csms, evse: 1).count >= 3
            }
            #expect(finished)
            #expect(await chargePoint.isReady)
            #expect(chargePoint.is201)
        }
        let upgrade = try #require(csms.upgrades.first)
        #expect(upgrade.subprotocol == "ocpp2.0.1", "a 2.0.1 charger offers only ocpp2.0.1")
        #expect(csms.negotiatedProtocol("SIM00001") == "ocpp2.0.1")

        let calls = csms.calls(from: "SIM00001")
        let boot = try #require(calls.first)
        #expect(boot.action == "BootNotification")
        #expect(boot.payload["reason"] == .string("PowerUp"))
        let station = try #require(boot.payload["chargingStation"])
        #expect(station["vendorName"] == .string("ChargeBusSim"))
        #expect(station["model"] == .string("SimDC-150"))
        #expect(station["serialNumber"] == .string("CBS-TEST1"))
        #expect(station["firmwareVersion"] == .string("1.4.2"))
        #expect(station["modem"]?["iccid"]?.stringValue?.isEmpty == false)
        #expect(station["modem"]?["imsi"]?.stringValue?.isEmpty == false)
        #expect(!csms.calls(action: "Heartbeat").isEmpty, "heartbeat every 10 simulated seconds")

        // One StatusNotification per EVSE, in the 2.0.1 shape; no connector 0.
        let firstStatus = try #require(csms.calls(action: "StatusNotification").first?.payload)
        #expect(firstStatus["evseId"] == .number(1) && firstStatus["connectorId"] == .number(1))
        #expect(firstStatus["connectorStatus"] == .string("Available") && firstStatus["timestamp"] != nil)
        #expect(firstStatus["status"] == nil && firstStatus["errorCode"] == nil)
        #expect(csms.calls(action: "StatusNotification").allSatisfy { $0.payload["evseId"]?.intValue ?? 0 >= 1 })
        #expect(Array(statuses201(csms, evse: 1).prefix(3)) == ["Available", "Occupied", "Available"])

        // Authorize → Started → Updated… → Ended, one transaction id, increasing seqNo.
        let actions = calls.map(\.action)
        let authorizeIndex = try #require(actions.firstIndex(of: "Authorize"))
        let firstEvent = try #require(actions.firstIndex(of: "TransactionEvent"))
        #expect(authorizeIndex < firstEvent)
        let idToken = try #require(calls[authorizeIndex].payload["idToken"])
        #expect(idToken["type"] == .string("ISO14443"))

        let events = transactionEvents(csms)
        let started = try #require(events.first)
        #expect(started["eventType"] == .string("Started"))
        #expect(started["triggerReason"] == .string("Authorized"))
        #expect(started["idToken"] == idToken)
        #expect(started["evse"] == .object(["id": .number(1), "connectorId": .number(1)]))
        #expect(started["transactionInfo"]?["chargingState"] == .string("EVConnected"))
        let transactionId = try #require(started["transactionInfo"]?["transactionId"]?.stringValue)
        #expect(UUID(uuidString: transactionId) != nil, "transaction id is a UUID: \(transactionId)")
        let begin = sampled201(started)
        #expect(begin["Energy.Active.Import.Register"]?.value == 1_000_000)
        #expect(begin["Energy.Active.Import.Register"]?.context == "Transaction.Begin")
        #expect(begin["Energy.Active.Import.Register"]?.unit == "Wh")

        let ended = try #require(events.first { $0["eventType"]?.stringValue == "Ended" })
        let sessionEvents = Array(events.prefix { $0["eventType"]?.stringValue != "Ended" }) + [ended]
        #expect(sessionEvents.allSatisfy { $0["transactionInfo"]?["transactionId"]?.stringValue == transactionId })
        let seqNos = sessionEvents.compactMap { $0["seqNo"]?.intValue }
        #expect(seqNos == Array(0..<sessionEvents.count), "seqNo 0, 1, 2, …: \(seqNos)")
        #expect(sessionEvents[1]["triggerReason"] == .string("ChargingStateChanged"))
        #expect(sessionEvents[1]["transactionInfo"]?["chargingState"] == .string("Charging"))

        let updates = sessionEvents.filter { $0["eventType"]?.stringValue == "Updated" && $0["meterValue"] != nil }
        #expect(updates.count >= 2)
        var lastEnergy = 0.0
        for update in updates {
            #expect(update["triggerReason"] == .string("MeterValuePeriodic"))
            #expect(update["transactionInfo"]?["chargingState"] == .string("Charging"))
            let values = sampled201(update)
            let energy = try #require(values["Energy.Active.Import.Register"])
            #expect(energy.value > lastEnergy && energy.context == "Sample.Periodic")
            lastEnergy = energy.value
            #expect((values["Power.Active.Import"]?.value ?? 0) > 10_000)
            #expect(values["Power.Active.Import"]?.unit == "W")
            #expect(values["SoC"] != nil, "DC reports SoC")
        }
        #expect(["Local", "EVDisconnected"].contains(ended["transactionInfo"]?["stoppedReason"]?.stringValue ?? ""))
        let end = sampled201(ended)
        #expect((end["Energy.Active.Import.Register"]?.value ?? 0) >= lastEnergy)
        #expect(end["Energy.Active.Import.Register"]?.context == "Transaction.End")
    }

    @Test func faultIsStatusFaultedAndNotifyEvent() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 100))
        defer { Task { await csms.stop() } }
        let fault = Scenario(kind: .fault, after: .seconds(60), connector: 1, errorCode: .connectorLockFailure,
                             vendorErrorCode: "CX001", info: "Plug lock jammed", duration: .seconds(20))
        try await withChargePoint(csms, profile: testProfile201(), scenarios: [fault]) { _ in
            #expect(await eventually(timeout: .seconds(5)) { statuses201(csms, evse: 1) == ["Available", "Faulted", "Available"] },
                    "\(statuses201(csms, evse: 1))")
        }
        let events = csms.calls(action: "NotifyEvent").map(\.payload)
        #expect(events.count == 2)
        let raised = try #require(events.first?["eventData"]?[0])
        #expect(raised["component"]?["name"] == .string("ConnectorPlugRetentionLock"))
        #expect(raised["component"]?["evse"]?["id"] == .number(1))
        #expect(raised["variable"]?["name"] == .string("Problem"))
        #expect(raised["actualValue"] == .string("true"))
        #expect(raised["trigger"] == .string("Delta"))
        #expect(raised["eventNotificationType"] == .string("HardWiredNotification"))
        #expect(raised["techCode"] == .string("CX001"))
        #expect(raised["techInfo"] == .string("Plug lock jammed"))
        let cleared = try #require(events.last?["eventData"]?[0])
        #expect(cleared["actualValue"] == .string("false"))
        #expect(cleared["component"]?["name"] == .string("ConnectorPlugRetentionLock"))
        #expect(cleared["eventId"] != raised["eventId"])
        // The NotifyEvent goes before the status it explains.
        let actions = csms.calls().map(\.action).filter { $0 == "NotifyEvent" || $0 == "StatusNotification" }
        #expect(Array(actions.suffix(4)) == ["NotifyEvent", "StatusNotification", "NotifyEvent", "StatusNotification"])
    }

    @Test func answersCSMSCalls() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 300))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, profile: testProfile201(.ac, connectors: 2)) { chargePoint in
            #expect(await eventually { await chargePoint.isReady && statuses201(csms, evse: 2).count == 1 })
            let id = "SIM00001"
            func result(_ frame: OCPPFrame) -> JSONValue? {
                if case .callResult(_, let payload) = frame { return payload }
                Issue.record("expected a CALLRESULT, got \(frame)")
                return nil
            }

            // GetVariables / SetVariables on the device model.
            let get = try await csms.call(id, "GetVariables", .object(["getVariableData": .array([
                .object(["component": .object(["name": .string("OCPPCommCtrlr")]), "variable": .object(["name": .string("HeartbeatInterval")])]),
                .object(["component": .object(["name": .string("SampledDataCtrlr")]), "variable": .object(["name": .string("TxUpdatedInterval")])]),
                .object(["component": .object(["name": .string("OCPPCommCtrlr")]), "variable": .object(["name": .string("Colour")])]),
                .object(["component": .object(["name": .string("Nowhere")]), "variable": .object(["name": .string("X")])]),
            ])]))
            let got = try #require(result(get)?["getVariableResult"])
            #expect(got[0]?["attributeStatus"] == .string("Accepted") && got[0]?["attributeValue"] == .string("300"))
            #expect(got[1]?["attributeValue"] == .string("10"))
            #expect(got[1]?["component"]?["name"] == .string("SampledDataCtrlr"))
            #expect(got[2]?["attributeStatus"] == .string("UnknownVariable"))
            #expect(got[3]?["attributeStatus"] == .string("UnknownComponent"))

            let heartbeatsBefore = csms.calls(action: "Heartbeat").count
            let set = try await csms.call(id, "SetVariables", .object(["setVariableData": .array([
                .object(["component": .object(["name": .string("OCPPCommCtrlr")]), "variable": .object(["name": .string("HeartbeatInterval")]),
                         "attributeValue": .string("5")]),
                .object(["component": .object(["name": .string("OCPPCommCtrlr")]), "variable": .object(["name": .string("HeartbeatInterval")]),
                         "attributeValue": .string("soon")]),
            ])]))
            let setResult = try #require(result(set)?["setVariableResult"])
            #expect(setResult[0]?["attributeStatus"] == .string("Accepted"))
            #expect(setResult[1]?["attributeStatus"] == .string("Rejected"))
            #expect(await eventually { csms.calls(action: "Heartbeat").count >= heartbeatsBefore + 2 }, "heartbeat now every 5 s")

            #expect(try await csms.call(id, "ClearCache", .object([:])).payloadStatus == "Accepted")
            let data = try await csms.call(id, "DataTransfer", .object(["vendorId": .string("ChargeBusSim"), "data": .object(["a": .number(1)])]))
            #expect(result(data)?["data"] == .object(["a": .number(1)]))
            #expect(try await csms.call(id, "DataTransfer", .object(["vendorId": .string("com.other")])).payloadStatus == "UnknownVendorId")
            #expect(try await csms.call(id, "UnlockConnector", .object(["evseId": .number(1), "connectorId": .number(1)])).payloadStatus == "Unlocked")
            #expect(try await csms.call(id, "UnlockConnector", .object(["evseId": .number(9), "connectorId": .number(1)])).payloadStatus == "UnknownConnector")

            // TriggerMessage
            let statusCount = statuses201(csms, evse: 2).count
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("StatusNotification"),
                                                                     "evse": .object(["id": .number(2)])])).payloadStatus == "Accepted")
            #expect(await eventually { statuses201(csms, evse: 2).count == statusCount + 1 })
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("MeterValues"),
                                                                     "evse": .object(["id": .number(1)])])).payloadStatus == "Accepted")
            #expect(await eventually { csms.calls(action: "MeterValues").contains { $0.payload["evseId"] == .number(1) } })
            #expect(try await csms.call(id, "TriggerMessage", .object(["requestedMessage": .string("SignV2GCertificate")])).payloadStatus
                    == "NotImplemented")

            // ChangeAvailability
            #expect(try await csms.call(id, "ChangeAvailability", .object(["operationalStatus": .string("Inoperative"),
                                                                         "evse": .object(["id": .number(2)])])).payloadStatus == "Accepted")
            #expect(await eventually { statuses201(csms, evse: 2).last == "Unavailable" })
            #expect(try await csms.call(id, "ChangeAvailability", .object(["operationalStatus": .string("Operative"),
                                                                         "evse": .object(["id": .number(2)])])).payloadStatus == "Accepted")
            #expect(await eventually { statuses201(csms, evse: 2).last == "Available" })

            // Remote start and stop.
            #expect(try await csms.call(id, "RequestStartTransaction", .object([
                "idToken": .object(["idToken": .string("REMOTE-1"), "type": .string("Central")]),
                "remoteStartId": .number(77), "evseId": .number(1)])).payloadStatus == "Accepted")
            #expect(await eventually { transactionEvents(csms).contains { $0["eventType"] == .string("Started") } })
            let started = try #require(transactionEvents(csms).first { $0["eventType"] == .string("Started") })
            #expect(started["triggerReason"] == .string("RemoteStart"))
            #expect(started["transactionInfo"]?["remoteStartId"] == .number(77))
            #expect(!csms.calls(action: "Authorize").contains { $0.payload["idToken"]?["idToken"] == .string("REMOTE-1") },
                    "AuthorizeRemoteStart is false: no Authorize for a remote start")
            let transactionId = try #require(await chargePoint.transactionIdentifier(connector: 1))
            #expect(await chargePoint.transactionID(connector: 1) == nil, "no integer id on 2.0.1")
            #expect(try await csms.call(id, "UnlockConnector", .object(["evseId": .number(1), "connectorId": .number(1)])).payloadStatus
                    == "OngoingAuthorizedTransaction")
            #expect(try await csms.call(id, "RequestStopTransaction", .object(["transactionId": .string("nope")])).payloadStatus == "Rejected")
            #expect(try await csms.call(id, "RequestStopTransaction", .object(["transactionId": .string(transactionId)])).payloadStatus == "Accepted")
            #expect(await eventually { transactionEvents(csms).contains { $0["eventType"] == .string("Ended") } })
            let ended = try #require(transactionEvents(csms).first { $0["eventType"] == .string("Ended") })
            #expect(ended["transactionInfo"]?["stoppedReason"] == .string("Remote"))
            #expect(ended["triggerReason"] == .string("RemoteStop"))

            // UpdateFirmware and GetLog.
            #expect(try await csms.call(id, "GetLog", .object([
                "logType": .string("DiagnosticsLog"), "requestId": .number(5),
                "log": .object(["remoteLocation": .string("ftp://logs.example/")])])).payloadStatus == "Accepted")
            #expect(await eventually {
                csms.calls(action: "LogStatusNotification").compactMap { $0.payload["status"]?.stringValue } == ["Uploading", "Uploaded"]
            })
            #expect(csms.calls(action: "LogStatusNotification").allSatisfy { $0.payload["requestId"] == .number(5) })

            // Errors: 2.0.1 spellings.
            let unknown = try await csms.call(id, "SetChargingProfile", .object(["evseId": .number(1)]))
            guard case .callError(_, "NotImplemented", _, _) = unknown else { Issue.record("\(unknown)"); return }
            let missing = try await csms.call(id, "Reset", .object([:]))
            guard case .callError(_, "OccurrenceConstraintViolation", _, _) = missing else { Issue.record("\(missing)"); return }
            let badEnum = try await csms.call(id, "Reset", .object(["type": .string("Hard")]))
            guard case .callError(_, "PropertyConstraintViolation", _, _) = badEnum else { Issue.record("\(badEnum)"); return }

            #expect(try await csms.call(id, "UpdateFirmware", .object([
                "requestId": .number(9),
                "firmware": .object(["location": .string("https://fw.example/sim-2.4.1.bin"),
                                     "retrieveDateTime": .string(Timestamp.format(Date()))])])).payloadStatus == "Accepted")
            #expect(await eventually(timeout: .seconds(5)) {
                csms.calls(action: "FirmwareStatusNotification").compactMap { $0.payload["status"]?.stringValue }
                    == ["Downloading", "Downloaded", "Installing", "Installed"]
            })
            #expect(csms.calls(action: "FirmwareStatusNotification").allSatisfy { $0.payload["requestId"] == .number(9) })
            // …then reboots with the new firmware.
            #expect(await eventually(timeout: .seconds(5)) { csms.calls(action: "BootNotification").count == 2 })
            let reboot = try #require(csms.calls(action: "BootNotification").last?.payload)
            #expect(reboot["reason"] == .string("FirmwareUpdate"))
            #expect(reboot["chargingStation"]?["firmwareVersion"] == .string("2.4.1"))
        }
    }

    @Test func resetImmediateReconnectsAndBootsOnIdleIsAccepted() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 300))
        defer { Task { await csms.stop() } }
        try await withChargePoint(csms, profile: testProfile201()) { chargePoint in
            #expect(await eventually { await chargePoint.isReady })
            #expect(try await csms.call("SIM00001", "Reset", .object(["type": .string("Immediate")])).payloadStatus == "Accepted")
            #expect(await eventually(timeout: .seconds(5)) { csms.connectionCount("SIM00001") == 2 && csms.calls(action: "BootNotification").count == 2 })
            #expect(csms.calls(action: "BootNotification").last?.payload["reason"] == .string("RemoteReset"))
            #expect(await eventually { await chargePoint.isReady })
            #expect(try await csms.call("SIM00001", "Reset", .object(["type": .string("OnIdle")])).payloadStatus == "Accepted")
            #expect(await eventually(timeout: .seconds(5)) { csms.calls(action: "BootNotification").count == 3 })
            let triggered = try await csms.call("SIM00001", "TriggerMessage", .object(["requestedMessage": .string("BootNotification")]))
            #expect(triggered.payloadStatus == "Accepted")
            #expect(await eventually { csms.calls(action: "BootNotification").last?.payload["reason"] == .string("Triggered") })
        }
    }

    @Test func protocolMixIsDeterministicAndFlagsParse() throws {
        #expect(try ProtocolMix.parse(protocol: "ocpp1.6") == .ocpp16)
        #expect(try ProtocolMix.parse(protocol: "ocpp2.0.1") == .ocpp201)
        #expect(try ProtocolMix.parse(protocol: "2.0.1") == .ocpp201)
        #expect(try ProtocolMix.parse(protocol: "mix") == .mix(ratio201: 0.5))
        #expect(try ProtocolMix.parse(protocol: "MIX", mixRatio: 0.25) == .mix(ratio201: 0.25))
        #expect(throws: SimulatorConfigurationError.self) { try ProtocolMix.parse(protocol: "ocpp2.1") }
        #expect(throws: SimulatorConfigurationError.self) { try ProtocolMix.parse(protocol: "mix", mixRatio: 1.5) }
        #expect(throws: SimulatorConfigurationError.self) { try ProtocolMix.parse(protocol: "ocpp1.6", mixRatio: 0.3) }

        func versions(_ mix: ProtocolMix, seed: UInt64 = 7) -> [OCPPProtocolVersion] {
            (1...200).map { ChargerProfile.make(index: $0, seed: seed, acRatio: 0.7, protocolMix: mix).protocolVersion }
        }
        #expect(versions(.ocpp16).allSatisfy { $0 == .ocpp16 })
        #expect(versions(.ocpp201).allSatisfy { $0 == .ocpp201 })
        let mixed = versions(.mix(ratio201: 0.3))
        #expect(mixed == versions(.mix(ratio201: 0.3)), "same seed, same fleet")
        #expect(mixed != versions(.mix(ratio201: 0.3), seed: 8))
        let share = Double(mixed.filter { $0 == .ocpp201 }.count) / 200
        #expect(share > 0.2 && share < 0.4, "about 30 %: \(share)")
        // The protocol does not change the rest of the profile.
        var a = ChargerProfile.make(index: 3, seed: 7, acRatio: 0.7, protocolMix: .ocpp201)
        a.protocolVersion = .ocpp16
        #expect(a == ChargerProfile.make(index: 3, seed: 7, acRatio: 0.7))
        #expect(versions(.mix(ratio201: 0)).allSatisfy { $0 == .ocpp16 })
        #expect(versions(.mix(ratio201: 1)).allSatisfy { $0 == .ocpp201 })

        var configuration = SimulatorConfiguration(url: "ws://127.0.0.1:1/ocpp", protocolMix: .mix(ratio201: 2))
        #expect(throws: SimulatorConfigurationError.self) { _ = try configuration.validate() }
        configuration.protocolMix = .mix(ratio201: 0.5)
        _ = try configuration.validate()
    }

    @Test func mixedFleetAndLoadGenerator() async throws {
        let csms = try await TestCSMS.start(behavior: .init(heartbeatInterval: 300))
        defer { Task { await csms.stop() } }
        let simulator = try Simulator(configuration: .init(url: csms.url, chargers: 6, seed: 3, automaticSessions: false,
                                                           reconnectBackoffMin: .milliseconds(50), protocolMix: .mix(ratio201: 0.5)),
                                      eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let run = Task { try await simulator.run() }
        #expect(await simulator.waitUntilReady(timeout: .seconds(10)))
        let versions = simulator.chargePoints.map(\.profile.protocolVersion)
        #expect(versions.contains(.ocpp16) && versions.contains(.ocpp201), "seed 3 mixes both: \(versions)")
        for chargePoint in simulator.chargePoints {
            #expect(csms.negotiatedProtocol(chargePoint.id) == chargePoint.profile.protocolVersion.subprotocol)
        }

        let sends = Mutex<[String: [Double]]>([:])
        let report = await LoadGenerator(simulator: simulator, rate: 60, duration: .seconds(1)) { id, connector, energy, _ in
            sends.withLock { $0["\(id)/\(connector)", default: []].append(energy) }
        }.run()
        #expect(report.acknowledged > 20 && report.failed == 0, "\(report)")
        for (_, energies) in sends.withLock({ $0 }) {
            #expect(energies == energies.sorted() && Set(energies).count == energies.count, "unique, increasing per connector")
        }
        for chargePoint in simulator.chargePoints where chargePoint.is201 {
            let meters = csms.calls(from: chargePoint.id, action: "MeterValues").map(\.payload)
            #expect(!meters.isEmpty)
            #expect(meters.allSatisfy { $0["evseId"]?.intValue != nil && $0["connectorId"] == nil })
            #expect(meters.allSatisfy { sampled201($0)["Energy.Active.Import.Register"] != nil })
        }
        simulator.stop()
        try await run.value
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
