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
