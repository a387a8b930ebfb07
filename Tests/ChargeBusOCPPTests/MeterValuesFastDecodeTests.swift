import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

/// The bridge's fast MeterValues decoder must never disagree with the schema-checking decoder:
/// whatever it accepts decodes to the same value in both modes, and whatever is not plainly valid
/// is left (nil) to the full decoder, which reports the CALLERROR or the lenient adjustments.
@Suite struct MeterValuesFastDecodeTests {
    static let accepted: [String] = [
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00.000Z","sampledValue":[{"value":"1234"}]}]}"#,
        #"{"connectorId":0,"transactionId":42,"meterValue":[]}"#,
        #"{"connectorId":2,"transactionId":-7,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[]}]}"#,
        #"{"meterValue":[{"sampledValue":[{"unit":"kWh","value":"12.5","measurand":"Energy.Active.Import.Register","context":"Sample.Periodic","format":"Raw","location":"Outlet","phase":"L1"}],"timestamp":"2026-11-21T10:00:00.123+01:00"}],"connectorId":1}"#,
        #"{"connectorId":1,"transactionId":3,"meterValue":[{"timestamp":"2026-11-21T10:00:00.000Z","sampledValue":[{"value":"7400","context":"Sample.Periodic","measurand":"Power.Active.Import","unit":"W"},{"value":"32.1","measurand":"Current.Import","unit":"A","phase":"L2"},{"value":"230","measurand":"Voltage","unit":"V","phase":"L1-N"},{"value":"55","measurand":"SoC","unit":"Percent","location":"EV"},{"value":"31.5","measurand":"Temperature","unit":"Celcius","location":"Body"}]},{"timestamp":"2026-11-21T10:00:10.000Z","sampledValue":[{"value":"signed","format":"SignedData","context":"Transaction.End"}]}]}"#,
        #"{"connectorId":1.0,"meterValue":[{"timestamp":"2026-11-21T10:00:00.000z","sampledValue":[{"value":""}]}]}"#,
    ]

    /// Each is either invalid (strict rejects it) or valid only through a lenient adjustment.
    static let leftToTheFullDecoder: [String] = [
        #"[1]"#,
        #"{"meterValue":[]}"#,
        #"{"connectorId":1}"#,
        #"{"connectorId":-1,"meterValue":[]}"#,
        #"{"connectorId":1.5,"meterValue":[]}"#,
        #"{"connectorId":"1","meterValue":[]}"#,
        #"{"connectorId":1,"transactionId":null,"meterValue":[]}"#,
        #"{"connectorId":1,"transactionId":"5","meterValue":[]}"#,
        #"{"connectorId":1,"meterValue":[],"extra":true}"#,
        #"{"connectorId":1,"meterValue":{}}"#,
        #"{"connectorId":1,"meterValue":[{"sampledValue":[]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00.000Z"}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21 10:00:00","sampledValue":[]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00","sampledValue":[]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"yesterday","sampledValue":[]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[],"x":1}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"unit":"Wh"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":12}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","unit":"kwh"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","measurand":"Energy"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","context":null}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","phase":"L4"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","location":"Roof"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","format":"Hex"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","signedMeterValue":"x"}]}]}"#,
        #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[7]}]}"#,
    ]

    @Test(arguments: accepted)
    func agreesWithTheSchemaDecoderInBothModes(_ text: String) throws {
        let payload = json(text)
        let fast = try #require(OCPP16.MeterValues.Request.decodeIfPlainlyValid(payload))
        #expect(try OCPPPayloadCoding.decode(OCPP16.MeterValues.Request.self, from: payload, mode: .strict) == fast)
        let (lenient, adjustments) = try OCPPPayloadCoding.decodeReporting(OCPP16.MeterValues.Request.self, from: payload, mode: .lenient)
        #expect(lenient == fast)
        #expect(adjustments.isEmpty)
    }

    @Test(arguments: leftToTheFullDecoder)
    func leavesAnythingNotPlainlyValidToTheSchemaDecoder(_ text: String) throws {
        let payload = json(text)
        #expect(OCPP16.MeterValues.Request.decodeIfPlainlyValid(payload) == nil)
        // Not plainly valid means: strict decoding refuses it, or lenient decoding had to adjust something.
        let strict = try? OCPPPayloadCoding.decode(OCPP16.MeterValues.Request.self, from: payload, mode: .strict)
        let lenient = try? OCPPPayloadCoding.decodeReporting(OCPP16.MeterValues.Request.self, from: payload, mode: .lenient)
        #expect(strict == nil || !(lenient?.adjustments.isEmpty ?? true), "\(text)")
    }
}

/// The frame scanner reads MeterValues frames without a `JSONValue` tree; it must agree with
/// `OCPPFrame.parse` + `decodeIfPlainlyValid` on every frame it accepts, and leave the rest to them.
@Suite struct MeterValuesFrameScannerTests {
    static func scan(_ text: String) -> (messageID: String, request: OCPP16.MeterValues.Request)? {
        var copy = text
        return copy.withUTF8 { OCPP16.MeterValues.Request.scanPlainFrame(UnsafeRawBufferPointer($0)) }
    }

    static func slowPath(_ text: String) -> (messageID: String, request: OCPP16.MeterValues.Request)? {
        guard case .call(let id, "MeterValues", let payload)? = try? OCPPFrame.parse(text, version: .v16),
              let request = OCPP16.MeterValues.Request.decodeIfPlainlyValid(payload) else { return nil }
        return (id, request)
    }

    static func frames(_ payload: String) -> [String] {
        [#"[2,"id-1","MeterValues",\#(payload)]"#,
         #" [ 2 , "7f0e2a54-1c3b-4f55-9a6e-2f8e7d1c9b10" ,"MeterValues" ,  \#(payload) ] "#,
         "[2,\n\t\"x\",\r\n\"MeterValues\",\(payload)]"]
    }

    @Test(arguments: MeterValuesFastDecodeTests.accepted)
    func readsPlainFramesExactlyLikeTheFullParser(_ payload: String) throws {
        for frame in Self.frames(payload) {
            let slow = try #require(Self.slowPath(frame))
            guard let scanned = Self.scan(frame) else {
                // An integer written as 1.0 is valid JSON but not the plain case: the full parser takes it.
                #expect(payload.contains(#""connectorId":1.0"#), "\(frame)")
                continue
            }
            #expect(scanned.messageID == slow.messageID)
            #expect(scanned.request == slow.request)
        }
    }

    @Test(arguments: MeterValuesFastDecodeTests.leftToTheFullDecoder)
    func leavesWhatIsNotPlainlyValidToTheFullParser(_ payload: String) {
        for frame in Self.frames(payload) {
            #expect(Self.scan(frame) == nil, "\(frame)")
        }
    }

    @Test func leavesOtherShapesToTheFullParser() {
        let payload = #"{"connectorId":1,"meterValue":[]}"#
        for frame in [
            #"[2,"id","Heartbeat",{}]"#, #"[3,"id",{}]"#, #"[2.0,"id","MeterValues",\#(payload)]"#,
            #"[2,"id","MeterValues",\#(payload),7]"#, #"[2,"id","MeterValues",\#(payload)] x"#,
            #"[2,"i\"d","MeterValues",\#(payload)]"#, #"[2,"\#(String(repeating: "a", count: 37))","MeterValues",\#(payload)]"#,
            #"[2,"id","MeterValues",{"connectorId":1,"connectorId":2,"meterValue":[]}]"#,
            #"[2,"id","MeterValues",{"connectorId":01,"meterValue":[]}]"#,
            #"[2,"id","MeterValues",{"connectorId":1e0,"meterValue":[]}]"#,
            #"[2,"id","MeterValues",{"connectorId":1,"transactionId":-0,"meterValue":[]}]"#,
            #"[2,"id","MeterValues",{"connectorId":1,"transactionId":1234567890123456,"meterValue":[]}]"#,
            #"[2,"id","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-11-21T10:00:00Z","sampledValue":[{"value":"1","value":"2"}]}]}]"#,
            #"[2,"id","MeterValues",{"connectorId":1,"meterValue":[]"#, "", "[", "[2,",
        ] {
            #expect(Self.scan(frame) == nil, "\(frame)")
        }
    }

    /// Randomly damaged frames: whatever the scanner still accepts, the full parser reads the same way.
    @Test func agreesWithTheFullParserOnMutatedFrames() {
        var generator = SystemRandomNumberGenerator()
        let originals = MeterValuesFastDecodeTests.accepted.flatMap(Self.frames).map { Array($0.utf8) }
        let alphabet = Array(#"{}[],:"\ -.0123456789eEaZT+"#.utf8)
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = originals.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let scanned = Self.scan(text) else { continue }
            accepted += 1
            let slow = Self.slowPath(text)
            #expect(slow?.messageID == scanned.messageID, "\(text)")
            #expect(slow?.request == scanned.request, "\(text)")
        }
        #expect(accepted > 100, "the mutations should leave some frames plainly valid")
    }
}
