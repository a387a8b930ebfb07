import ChargeBusContract
import Foundation
import Testing

@Suite struct TopicsTests {
    let topics = Topics(root: "ev")

    @Test func buildersFollowTheContract() {
        #expect(topics.chargerState("CP1") == "ev/chargers/CP1/state")
        #expect(topics.boot("CP1") == "ev/chargers/CP1/boot")
        #expect(topics.heartbeat("CP1") == "ev/chargers/CP1/heartbeat")
        #expect(topics.connectorStatus("CP1", connector: 0) == "ev/chargers/CP1/connectors/0/status")
        #expect(topics.meter("CP1", connector: 2) == "ev/chargers/CP1/connectors/2/meter")
        #expect(topics.transactions("CP1") == "ev/chargers/CP1/transactions")
        #expect(topics.ocppLog("CP1") == "ev/chargers/CP1/ocpp")
        #expect(topics.event("CP1", name: .firmwareStatus) == "ev/chargers/CP1/events/firmware-status")
        #expect(topics.bridge("b1") == "ev/bridges/b1")
        #expect(topics.callRequest("CP1") == "ev/calls/CP1/request")
        #expect(topics.callResponse("CP1") == "ev/calls/CP1/response")
        #expect(Topics(root: "fleet/eu").chargerState("X") == "fleet/eu/chargers/X/state")
    }

    @Test func parsingRoundTripsEveryBuilder() {
        let cases: [(String, Topic)] = [
            (topics.chargerState("A"), .chargerState(chargerID: "A")),
            (topics.boot("A"), .boot(chargerID: "A")),
            (topics.info("A"), .info(chargerID: "A")),
            (topics.heartbeat("A"), .heartbeat(chargerID: "A")),
            (topics.connectorStatus("A", connector: 3), .connectorStatus(chargerID: "A", connector: 3)),
            (topics.meter("A", connector: 1), .meter(chargerID: "A", connector: 1)),
            (topics.transactions("A"), .transactions(chargerID: "A")),
            (topics.ocppLog("A"), .ocppLog(chargerID: "A")),
            (topics.event("A", name: .securityEvent), .event(chargerID: "A", name: .securityEvent)),
            (topics.bridge("b"), .bridge(bridgeID: "b")),
            (topics.callRequest("A"), .callRequest(chargerID: "A")),
            (topics.callResponse("A"), .callResponse(chargerID: "A")),
        ]
        for (topic, expected) in cases {
            #expect(topics.parse(topic) == expected, "\(topic)")
        }
    }

    @Test func parsingRejectsTopicsOutsideTheContract() {
        for topic in ["other/chargers/A/state", "ev/chargers/A/nope", "ev/chargers/A/connectors/x/status",
                      "ev/chargers/A/connectors/-1/status", "ev/chargers/A/events/unknown", "ev", "ev/calls/A/other", ""] {
            #expect(topics.parse(topic) == nil, "\(topic)")
        }
    }

    @Test func chargerIDsMustBeSafeTopicLevels() {
        #expect(Topics.isValidChargerID("CP-001"))
        #expect(Topics.isValidChargerID("ABB:TAC:0001"))
        #expect(!Topics.isValidChargerID(""))
        #expect(!Topics.isValidChargerID("a/b"))
        #expect(!Topics.isValidChargerID("a+b"))
        #expect(!Topics.isValidChargerID("a#"))
        #expect(!Topics.isValidChargerID("a\nb"))
        #expect(!Topics.isValidChargerID(String(repeating: "x", count: 256)))
    }
}

@Suite struct TimestampTests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_000_000.123)) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func appendsTheSameBytesAsItFormats() {
        var bytes: [UInt8] = Array("at=".utf8)
        let dates = [0, -0.5, 0.999, 1_795_000_000.123, 1_795_000_059.9999, 4_102_444_799.999, 951_782_400.5]
            .map(Date.init(timeIntervalSince1970:))
        for date in dates {
            bytes = Array("at=".utf8)
            Timestamp.append(date, to: &bytes)
            #expect(bytes == Array(("at=" + Timestamp.format(date)).utf8))
            #expect(Timestamp.format(date).utf8.count == 24)
            #expect(Timestamp.parse(Timestamp.format(date)).map { abs($0.timeIntervalSince(date)) < 0.001 } == true, "\(date)")
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 4_102_444_799.999)) == "2099-12-31T23:59:59.999Z")
    }

    @Test func parsesWhatChargersSend() throws {
        let base = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(Timestamp.parse("2026-11-18T11:06:40Z") == base)
        #expect(Timestamp.parse("2026-11-18T11:06:40.250Z") == base.addingTimeInterval(0.25))
        #expect(Timestamp.parse("2026-11-18T12:06:40+01:00") == base)
        #expect(Timestamp.parse("2026-11-18T11:06:40") == base, "a missing offset reads as UTC")
        #expect(Timestamp.parse("2026-11-18t11:06:40z") == base)
    }

    @Test func rejectsGarbage() {
        for text in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-18T11:06:40.Z", "2026-11-18T11:06:40+0100", "2026-11-18T11:06:40Zjunk"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
    }

    @Test func roundTrips() throws {
        for seconds in [0.0, 1.001, 1_700_000_000.999, 4_102_444_800.5] {
            let date = Date(timeIntervalSince1970: seconds)
            let parsed = try #require(Timestamp.parse(Timestamp.format(date)))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.001)
        }
    }
}

@Suite struct PayloadTests {
    @Test func chargerStateEncodesTheContractShape() throws {
        let online = ChargerState.online(at: Date(timeIntervalSince1970: 0), bridge: "b1", protocol: "ocpp1.6", remote: "1.2.3.4:5")
        #expect(String(decoding: try BusCoding.encode(online), as: UTF8.self)
            == #"{"at":"1970-01-01T00:00:00.000Z","bridge":"b1","online":true,"protocol":"ocpp1.6","remote":"1.2.3.4:5"}"#)
        let offline = ChargerState.offline(at: Date(timeIntervalSince1970: 0), bridge: "b1", reason: .bridgeShutdown)
        #expect(String(decoding: try BusCoding.encode(offline), as: UTF8.self)
            == #"{"at":"1970-01-01T00:00:00.000Z","bridge":"b1","online":false,"reason":"bridge-shutdown"}"#)
    }

    @Test func transactionIDsKeepTheirProtocolType() throws {
        #expect(String(decoding: try BusCoding.encode([TransactionID.int(42), .string("a-b")]), as: UTF8.self) == #"[42,"a-b"]"#)
        #expect(try BusCoding.decode([TransactionID].self, from: Array(#"[7,"x"]"#.utf8)) == [.int(7), .string("x")])
    }

    @Test func callRequestDecodesAndResponseEncodes() throws {
        let request = try BusCoding.decode(CallRequest.self, from: Array(#"{"id":"r1","action":"Reset","payload":{"type":"Soft"},"timeoutS":5}"#.utf8))
        #expect(request.action == "Reset")
        #expect(request.payload["type"]?.stringValue == "Soft")
        let response = CallResponse(id: "r1", at: Date(timeIntervalSince1970: 0), action: "Reset", status: .ok, response: .object(["status": .string("Accepted")]))
        #expect(String(decoding: try BusCoding.encode(response), as: UTF8.self)
            == #"{"action":"Reset","at":"1970-01-01T00:00:00.000Z","id":"r1","response":{"status":"Accepted"},"status":"ok"}"#)
    }

    @Test func frameLogEmbedsValidFramesAndQuotesMalformedOnes() throws {
        let at = Date(timeIntervalSince1970: 0)
        let valid = OCPPFrameLog.payload(at: at, direction: .in, rawFrame: #"[2,"1","Heartbeat",{}]"#, isValidJSON: true)
        #expect(valid == #"{"at":"1970-01-01T00:00:00.000Z","dir":"in","frame":[2,"1","Heartbeat",{}]}"#)
        let malformed = OCPPFrameLog.payload(at: at, direction: .in, rawFrame: "not \"json\"\n\u{1}", isValidJSON: false)
        let decoded = try BusCoding.decode(JSONValue.self, from: Array(malformed.utf8))
        #expect(decoded["frame"]?.stringValue == "not \"json\"\n\u{1}")
        #expect(decoded["malformed"] == .bool(true))
    }

    @Test func frameLogBytesEqualTheTextPayload() {
        let at = Date(timeIntervalSince1970: 1_795_000_000.123)
        for frame in [#"[2,"1","Heartbeat",{}]"#, #"[3,"ü-1",{"currentTime":"2026-11-18T11:06:40.123Z"}]"#] {
            for direction in [OCPPFrameLog.Direction.in, .out] {
                let bytes = Array(frame.utf8).withUnsafeBytes { OCPPFrameLog.payload(at: at, direction: direction, validFrame: $0) }
                #expect(bytes == Array(OCPPFrameLog.payload(at: at, direction: direction, rawFrame: frame, isValidJSON: true).utf8))
            }
        }
    }
}
