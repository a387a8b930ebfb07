import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusSimulator

@Suite("OCPP-J frames and JSON")
struct FrameTests {
    @Test func frameShapes() throws {
        let call = OCPPFrame.call(id: "19223201", action: "BootNotification",
                                  payload: .object(["chargePointVendor": .string("ChargeBusSim"), "chargePointModel": .string("SimAC-22")]))
        #expect(call.text == #"[2,"19223201","BootNotification",{"chargePointModel":"SimAC-22","chargePointVendor":"ChargeBusSim"}]"#)
        #expect(OCPPFrame.callResult(id: "7", payload: .object([:])).text == #"[3,"7",{}]"#)
        #expect(OCPPFrame.callError(id: "8", .notImplemented, "nope").text == #"[4,"8","NotImplemented","nope",{}]"#)

        for frame in [call, .callResult(id: "a", payload: .object(["status": .string("Accepted"), "interval": .number(300)])),
                      .callError(id: "b", code: "GenericError", description: "x \"quoted\"", details: .object(["k": .number(1.5)]))] {
            #expect(try OCPPFrame(text: frame.text) == frame)
        }
    }

    @Test(arguments: [
        ("{}", nil as String?),
        ("[2,\"1\"]", nil),
        ("[2,1,\"Heartbeat\",{}]", nil),
        ("[2,\"1\",\"Heartbeat\",[]]", "1"),
        ("[2,\"1\",\"Heartbeat\"]", "1"),
        ("[9,\"5\",{}]", "5"),
        ("[2,\"1\",\"Heartbeat\",{}", nil),
    ])
    func invalidFrames(text: String, messageID: String?) {
        do {
            let frame = try OCPPFrame(text: text)
            Issue.record("parsed \(frame)")
        } catch {
            #expect(error.messageID == messageID)
        }
    }

    @Test func jsonRoundTripsAndEscapes() throws {
        let value = JSONValue.object([
            "text": .string("quote \" backslash \\ newline \n tab \t control \u{01} unicode é 🚗"),
            "numbers": .array([.number(0), .number(-12), .number(3.25), .number(1e-7), .number(12_345_678_901)]),
            "flags": .array([.bool(true), .bool(false), .null]),
            "nested": .object(["empty": .object([:]), "list": .array([])]),
        ])
        let text = JSONText.string(value)
        #expect(text.contains(#""quote \" backslash \\ newline \n tab \t control \u0001 unicode é 🚗""#))
        #expect(text.contains("12345678901"))
        #expect(try JSONText.parse(text) == value)
        #expect(try JSONText.parse(#" {"a" : [1, 2.5e3, "\u00e9\ud83d\ude97\/"] } "#)
                == .object(["a": .array([.number(1), .number(2500), .string("é🚗/")])]))
        #expect(JSONText.string(.number(.nan)) == "null")
        for bad in ["", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "01x", "[1] 2", "\"\\ud83d\"", "-", "1."] {
            #expect(throws: JSONText.ParseError.self, "\(bad)") { try JSONText.parse(bad) }
        }
    }

    @Test func endpointAndAuthorization() throws {
        let endpoint = try CSMSEndpoint(url: "ws://bridge.local:8180/ocpp/")
        #expect(endpoint.host == "bridge.local")
        #expect(endpoint.port == 8180)
        #expect(endpoint.path(for: "SIM00001") == "/ocpp/SIM00001")
        #expect(endpoint.path(for: "CP 1/å#") == "/ocpp/CP%201%2F%C3%A5%23")
        #expect(endpoint.hostHeader == "bridge.local:8180")
        let bare = try CSMSEndpoint(url: "ws://127.0.0.1")
        #expect(bare.port == 80)
        #expect(bare.basePath == "/ocpp")
        #expect(try CSMSEndpoint(url: "ws://h:1/custom/base").path(for: "X") == "/custom/base/X")
        #expect(throws: SimulatorConnectionError.unsupportedScheme("wss")) { try CSMSEndpoint(url: "wss://h/ocpp") }
        #expect(throws: SimulatorConnectionError.unsupportedScheme("http")) { try CSMSEndpoint(url: "http://h/ocpp") }
        #expect(throws: SimulatorConnectionError.invalidURL("not a url")) { try CSMSEndpoint(url: "not a url") }

        #expect(OCPPWebSocketClient.basicAuthorization(id: "SIM00001", password: "secret")
                == "Basic " + Data("SIM00001:secret".utf8).base64EncodedString())
        let headers = OCPPWebSocketClient.upgradeHeaders(endpoint: endpoint, chargePointID: "SIM00001", password: "secret")
        #expect(headers.first(name: "Sec-WebSocket-Protocol") == "ocpp1.6")
        #expect(headers.first(name: "Authorization") == "Basic U0lNMDAwMDE6c2VjcmV0")
        #expect(OCPPWebSocketClient.upgradeHeaders(endpoint: endpoint, chargePointID: "SIM00001", password: nil)
                .first(name: "Authorization") == nil)
        let frame = OCPPWebSocketClient.textFrame("[3,\"1\",{}]")
        #expect(frame.maskKey != nil)
        #expect(String(buffer: frame.data) == "[3,\"1\",{}]", "masking is applied by the encoder")
    }
}

@Suite("Charge point messages")
struct MessageTests {
    let date = Date(timeIntervalSince1970: 1_795_000_000.123)

    @Test func bootNotification() {
        let payload = ChargePointMessages.bootNotification(vendor: "ChargeBusSim", model: "SimDC-150",
                                                           serialNumber: "CBS-0000ABCD", firmwareVersion: "2.1.0",
                                                           meterType: "SimMeter DC", meterSerialNumber: "MCBS-0000ABCD")
        #expect(payload["chargePointVendor"] == .string("ChargeBusSim"))
        #expect(payload["chargePointModel"] == .string("SimDC-150"))
        #expect(payload["chargePointSerialNumber"] == .string("CBS-0000ABCD"))
        #expect(payload["firmwareVersion"] == .string("2.1.0"))
        let long = ChargePointMessages.bootNotification(vendor: String(repeating: "V", count: 30), model: "M",
                                                        serialNumber: String(repeating: "S", count: 40), firmwareVersion: nil)
        #expect(long["chargePointVendor"]?.stringValue?.count == 20)
        #expect(long["chargePointSerialNumber"]?.stringValue?.count == 25)
        #expect(long["firmwareVersion"] == nil)
    }

    @Test func statusNotification() {
        let healthy = ChargePointMessages.statusNotification(connectorId: 0, status: .available)
        #expect(healthy == .object(["connectorId": .number(0), "status": .string("Available"), "errorCode": .string("NoError")]))
        let fault = ChargePointMessages.statusNotification(connectorId: 1, status: .faulted, errorCode: .otherError,
                                                           info: "Pilot Voltage Low", vendorId: "com.evgo.mrec",
                                                           vendorErrorCode: "F003", timestamp: date)
        #expect(fault["status"] == .string("Faulted"))
        #expect(fault["errorCode"] == .string("OtherError"))
        #expect(fault["vendorId"] == .string("com.evgo.mrec"))
        #expect(fault["vendorErrorCode"] == .string("F003"))
        #expect(fault["info"] == .string("Pilot Voltage Low"))
        #expect(fault["timestamp"] == .string(Timestamp.format(date)))
        #expect(JSONText.string(fault).contains("\"connectorId\":1,"))
    }

    @Test func transactionMessages() {
        #expect(ChargePointMessages.authorize(idTag: "04A1B2C3D4E5F6") == .object(["idTag": .string("04A1B2C3D4E5F6")]))
        let start = ChargePointMessages.startTransaction(connectorId: 2, idTag: "TAG", meterStartWh: 1_234_567, timestamp: date)
        #expect(start == .object(["connectorId": .number(2), "idTag": .string("TAG"), "meterStart": .number(1_234_567),
                                  "timestamp": .string(Timestamp.format(date))]))
        let sample = MeterSample(energyWh: 1_240_000.9, powerW: 11_000, currentA: 15.9, voltageV: 230)
        let stop = ChargePointMessages.stopTransaction(
            transactionId: 42, meterStopWh: 1_240_000, timestamp: date, reason: .evDisconnected,
            transactionData: [ChargePointMessages.meterValue(sample, timestamp: date, context: "Transaction.End")])
        #expect(stop["transactionId"] == .number(42))
        #expect(stop["meterStop"] == .number(1_240_000))
        #expect(stop["reason"] == .string("EVDisconnected"))
        #expect(stop["idTag"] == nil)
        guard case .array(let data)? = stop["transactionData"], case .array(let values)? = data.first?["sampledValue"] else {
            Issue.record("transactionData missing")
            return
        }
        #expect(values.first?["context"] == .string("Transaction.End"))
    }

    @Test func meterValues() {
        let dc = MeterSample(energyWh: 5_000_123.7, powerW: 149_876.04, currentA: 354.55, voltageV: 422.4, socPercent: 57.9)
        let payload = ChargePointMessages.meterValues(
            connectorId: 1, transactionId: 77, meterValue: [ChargePointMessages.meterValue(dc, timestamp: date)])
        #expect(payload["connectorId"] == .number(1))
        #expect(payload["transactionId"] == .number(77))
        guard case .array(let meterValue)? = payload["meterValue"], let first = meterValue.first,
              case .array(let sampled)? = first["sampledValue"] else {
            Issue.record("bad shape")
            return
        }
        #expect(first["timestamp"] == .string(Timestamp.format(date)))
        var byMeasurand: [String: JSONValue] = [:]
        for value in sampled {
            #expect(value["value"]?.stringValue != nil, "values are strings in OCPP 1.6")
            #expect(value["context"] == .string("Sample.Periodic"))
            byMeasurand[value["measurand"]!.stringValue!] = value
        }
        #expect(byMeasurand["Energy.Active.Import.Register"]?["value"] == .string("5000123"))
        #expect(byMeasurand["Energy.Active.Import.Register"]?["unit"] == .string("Wh"))
        #expect(byMeasurand["Power.Active.Import"]?["value"] == .string("149876.0"))
        #expect(byMeasurand["Power.Active.Import"]?["unit"] == .string("W"))
        #expect(byMeasurand["Current.Import"]?["unit"] == .string("A"))
        #expect(byMeasurand["Voltage"]?["unit"] == .string("V"))
        #expect(byMeasurand["SoC"]?["value"] == .string("57"))
        #expect(byMeasurand["SoC"]?["unit"] == .string("Percent"))
        #expect(byMeasurand["SoC"]?["location"] == .string("EV"))

        let ac = MeterSample(energyWh: 10, powerW: 7000, currentA: 30.4, voltageV: 230)
        let acValue = ChargePointMessages.meterValue(ac, timestamp: date)
        guard case .array(let acSampled)? = acValue["sampledValue"] else { return }
        #expect(acSampled.count == 4)
        #expect(!acSampled.contains { $0["measurand"] == .string("SoC") }, "AC chargers report no SoC")
        let energyOnly = ChargePointMessages.meterValue(ac, timestamp: date, measurands: ["Energy.Active.Import.Register"])
        guard case .array(let only)? = energyOnly["sampledValue"] else { return }
        #expect(only.count == 1)

        let idle = ChargePointMessages.meterValues(connectorId: 2, transactionId: nil, meterValue: [acValue])
        #expect(idle["transactionId"] == nil)
    }

    @Test func otherMessages() {
        #expect(ChargePointMessages.heartbeat() == .object([:]))
        #expect(ChargePointMessages.firmwareStatusNotification(status: "Installing") == .object(["status": .string("Installing")]))
        #expect(ChargePointMessages.diagnosticsStatusNotification(status: "Uploaded") == .object(["status": .string("Uploaded")]))
        #expect(ChargePointMessages.dataTransfer(vendorId: "ChargeBusSim", messageId: "Signal", data: "-71")
                == .object(["vendorId": .string("ChargeBusSim"), "messageId": .string("Signal"), "data": .string("-71")]))
    }

    @Test func decimals() {
        #expect(ChargePointMessages.formatDecimal(11000.04, places: 1) == "11000.0")
        #expect(ChargePointMessages.formatDecimal(0.05, places: 1) == "0.1")
        #expect(ChargePointMessages.formatDecimal(0.004, places: 2) == "0.00")
        #expect(ChargePointMessages.formatDecimal(-2.5, places: 1) == "-2.5")
        #expect(ChargePointMessages.formatDecimal(1234, places: 0) == "1234")
        #expect(ChargePointMessages.formatDecimal(.nan, places: 1) == "0")
    }

    @Test func configurationKeys() {
        var configuration = ChargePointConfiguration(connectors: 2, heartbeatInterval: 300, meterValueSampleInterval: 60, hasSoC: true)
        guard case .array(let all)? = configuration.getConfigurationResponse(keys: [])["configurationKey"] else {
            Issue.record("no keys")
            return
        }
        let keys = Set(all.compactMap { $0["key"]?.stringValue })
        #expect(keys.isSuperset(of: ["HeartbeatInterval", "MeterValueSampleInterval", "NumberOfConnectors",
                                     "MeterValuesSampledData", "AuthorizeRemoteTxRequests", "SupportedFeatureProfiles"]))
        let some = configuration.getConfigurationResponse(keys: ["HeartbeatInterval", "Nope"])
        #expect(some["configurationKey"] == .array([.object(["key": .string("HeartbeatInterval"), "readonly": .bool(false),
                                                             "value": .string("300")])]))
        #expect(some["unknownKey"] == .array([.string("Nope")]))

        #expect(configuration.change(key: "HeartbeatInterval", value: "120") == .accepted)
        #expect(configuration.heartbeatInterval == 120)
        #expect(configuration.change(key: "HeartbeatInterval", value: "often") == .rejected)
        #expect(configuration.change(key: "MeterValueSampleInterval", value: "15") == .accepted)
        #expect(configuration.change(key: "NumberOfConnectors", value: "4") == .rejected)
        #expect(configuration.change(key: "LocalPreAuthorize", value: "true") == .accepted)
        #expect(configuration.change(key: "MeterValuesSampledData", value: "Energy.Active.Import.Register,Bogus") == .rejected)
        #expect(configuration.change(key: "FancyKey", value: "1") == .notSupported)
    }

    @Test func firmwareVersionAfterUpdate() {
        #expect(SimulatedChargePoint.nextFirmwareVersion("1.4.2", location: "https://fw.example/simac-1.5.0.bin") == "1.5.0")
        #expect(SimulatedChargePoint.nextFirmwareVersion("1.4.2", location: "ftp://fw.example/latest.bin") == "1.4.3")
    }
}
