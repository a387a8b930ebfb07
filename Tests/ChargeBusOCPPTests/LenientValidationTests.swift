import ChargeBusContract
import Testing
@testable import ChargeBusOCPP

/// Lenient mode: each real-charger quirk is accepted, and reported as an adjustment.
@Suite struct LenientValidationTests {
    private func lenient<T: OCPPPayload>(_ type: T.Type, _ text: String) throws -> (value: T, adjustments: [OCPPAdjustment]) {
        try OCPPPayloadCoding.decodeReporting(type, from: json(text), mode: .lenient)
    }

    @Test func truncatesOverLongStrings() throws {
        let serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123" // 30 characters, the schema allows 25
        let (boot, adjustments) = try lenient(OCPP16.BootNotification.Request.self,
                                              #"{"chargePointVendor":"A very long vendor name Inc.","chargePointModel":"M","chargePointSerialNumber":"\#(serial)"}"#)
        #expect(boot.chargePointSerialNumber == "ABCDEFGHIJKLMNOPQRSTUVWXY")
        #expect(boot.chargePointVendor == "A very long vendor n")
        #expect(adjustments.map(\.kind) == [.truncated, .truncated])
        #expect(Set(adjustments.map(\.path)) == ["chargePointSerialNumber", "chargePointVendor"])
        // Truncation counts characters, never splitting one.
        let (accented, _) = try lenient(OCPP16.StatusNotification.Request.self,
                                        #"{"connectorId":1,"errorCode":"NoError","status":"Available","info":"\#(String(repeating: "é", count: 52))"}"#)
        #expect(accented.info == String(repeating: "é", count: 50))
    }

    @Test func keepsOverLongIdentifiersWhole() throws {
        let tag = "04E3C2A1B2C3D4E5F6A7B8" // 22 characters: cutting it would authorize another tag
        let (authorize, adjustments) = try lenient(OCPP16.Authorize.Request.self, #"{"idTag":"\#(tag)"}"#)
        #expect(authorize.idTag == tag)
        #expect(adjustments.map(\.kind) == [.overLengthKept])
        let codes = "F000,F003,F008,A003,A004,A005,A006,A007,A008,A009,A010" // EVgo-style concurrent faults
        let (status, _) = try lenient(OCPP16.StatusNotification.Request.self,
                                      #"{"connectorId":1,"errorCode":"OtherError","status":"Faulted","vendorId":"com.evgo.mrec","vendorErrorCode":"\#(codes)"}"#)
        #expect(status.vendorErrorCode == codes)
        let key = String(repeating: "K", count: 60)
        let (config, _) = try lenient(OCPP16.GetConfiguration.Response.self, #"{"configurationKey":[{"key":"\#(key)","readonly":true}],"unknownKey":["\#(key)"]}"#)
        #expect(config.configurationKey?.first?.key == key)
        #expect(config.unknownKey == [key])
        // Strict mode rejects them like any over-long string.
        #expect(decodeError(OCPP16.Authorize.Request.self, #"{"idTag":"\#(tag)"}"#)?.code == .propertyConstraintViolation)
    }

    @Test func acceptsNumbersAsStrings() throws {
        let (status, adjustments) = try lenient(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":"2","errorCode":"NoError","status":"Available"}"#)
        #expect(status.connectorId == 2)
        #expect(adjustments == [OCPPAdjustment(path: "connectorId", kind: .numberFromString, detail: "2")])

        let (start, _) = try lenient(OCPP16.StartTransaction.Request.self,
                                     #"{"connectorId":"1","idTag":"A","meterStart":" 1234 ","timestamp":"2024-05-01T10:00:00Z"}"#)
        #expect(start.meterStart == 1234)
        let (stop, _) = try lenient(OCPP16.StopTransaction.Request.self,
                                    #"{"meterStop":"2000.0","timestamp":"2024-05-01T10:00:00Z","transactionId":"17"}"#)
        #expect(stop.meterStop == 2000)
        #expect(stop.transactionId == 17)
        let (config, _) = try lenient(OCPP16.GetConfiguration.Response.self, #"{"configurationKey":[{"key":"k","readonly":"TRUE"}]}"#)
        #expect(config.configurationKey?.first?.readonly == true)
        // Not numbers at all are still type violations; negative connector ids still out of range.
        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":"one","errorCode":"NoError","status":"Available"}"#,
                            mode: .lenient)?.code == .typeConstraintViolation)
        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":"-1","errorCode":"NoError","status":"Available"}"#,
                            mode: .lenient)?.code == .propertyConstraintViolation)
        #expect(decodeError(OCPP16.StartTransaction.Request.self,
                            #"{"connectorId":1,"idTag":"A","meterStart":"12.5","timestamp":"2024-05-01T10:00:00Z"}"#, mode: .lenient)?
            .code == .typeConstraintViolation)
    }

    @Test func acceptsNumericMeterValue() throws {
        let (request, adjustments) = try lenient(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[
              {"value":1234.5,"measurand":"Energy.Active.Import.Register"},{"value":7200,"measurand":"Power.Active.Import"}]}]}
            """#)
        #expect(request.meterValue[0].sampledValue.map(\.value) == ["1234.5", "7200"])
        #expect(adjustments.map(\.kind) == [.stringFromNumber, .stringFromNumber])
        #expect(adjustments[0].path == "meterValue[0].sampledValue[0].value")
    }

    @Test func mapsUnknownErrorCodeToOtherError() throws {
        let (status, adjustments) = try lenient(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":1,"errorCode":"Error","status":"Faulted","vendorErrorCode":"E42"}"#)
        #expect(status.errorCode == .otherError)
        #expect(status.vendorErrorCode == "E42")
        #expect(adjustments == [OCPPAdjustment(path: "errorCode", kind: .enumFallback, detail: "Error → OtherError")])
    }

    @Test func keepsUnknownReadingContextAndMeasurand() throws {
        let (request, adjustments) = try lenient(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"transactionId":3,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[
              {"value":"10","context":"Sample.Foo","measurand":"Energy.Active.Import.Register"},
              {"value":"3","context":"Sample.Periodic","measurand":"Power.Active.Total","unit":"kw","phase":"L4","location":"Garage"}]}]}
            """#)
        let samples = request.meterValue[0].sampledValue
        #expect(samples[0].context == OCPP16.ReadingContext(rawValue: "Sample.Foo"))
        #expect(samples[0].context?.isKnown == false)
        #expect(samples[1].measurand?.rawValue == "Power.Active.Total")
        #expect(samples[1].unit == .kW) // matched ignoring case
        #expect(samples[1].phase?.rawValue == "L4")
        #expect(samples[1].location?.rawValue == "Garage")
        #expect(adjustments.map(\.kind) == [.unknownEnumKept, .unknownEnumKept, .unknownEnumKept, .unknownEnumKept, .enumCaseFolded])
    }

    @Test func treatsNullInfoAsAbsent() throws {
        let (quoted, adjustments) = try lenient(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":1,"errorCode":"NoError","status":"Charging","info":"null","vendorErrorCode":"0x00"}"#)
        #expect(quoted.info == nil)
        #expect(quoted.vendorErrorCode == "0x00")
        #expect(adjustments == [OCPPAdjustment(path: "info", kind: .nullAsAbsent, detail: "\"null\"")])
        let (literal, _) = try lenient(OCPP16.StatusNotification.Request.self,
                                       #"{"connectorId":1,"errorCode":"NoError","status":"Charging","info":null,"timestamp":null}"#)
        #expect(literal.info == nil)
        #expect(literal.timestamp == nil)
    }

    @Test func ignoresUnknownFields() throws {
        let (boot, adjustments) = try lenient(OCPP16.BootNotification.Request.self,
                                              #"{"chargePointVendor":"V","chargePointModel":"M","ocppProtocol":"1.6J","extra":{"a":1}}"#)
        #expect(boot.chargePointVendor == "V")
        #expect(adjustments.map(\.description) == ["extra: unknownFieldIgnored (extra)", "ocppProtocol: unknownFieldIgnored (ocppProtocol)"])
        // Without reporting, no bookkeeping but the same result.
        let plain = try OCPPPayloadCoding.decode(OCPP16.Heartbeat.Request.self, from: json(#"{"x":1}"#), mode: .lenient)
        _ = plain
    }

    @Test func matchesEnumsIgnoringCase() throws {
        let (status, adjustments) = try lenient(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":1,"errorCode":"noerror","status":"SUSPENDEDEV"}"#)
        #expect(status.errorCode == .noError)
        #expect(status.status == .suspendedEV)
        #expect(adjustments.map(\.kind) == [.enumCaseFolded, .enumCaseFolded])
        // A closed enum without a catch-all still rejects unknown values when the field is required…
        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":1,"errorCode":"NoError","status":"Broken"}"#,
                            mode: .lenient)?.code == .propertyConstraintViolation)
    }

    @Test func dropsInvalidOptionalValues() throws {
        let (status, adjustments) = try lenient(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"0000-00-00 00:00"}"#)
        #expect(status.timestamp == nil)
        #expect(adjustments.map(\.kind) == [.invalidOptionalDropped])
        let (stop, stopAdjustments) = try lenient(OCPP16.StopTransaction.Request.self,
                                                  #"{"meterStop":1,"timestamp":"2024-05-01T10:00:00Z","transactionId":1,"reason":"Timeout"}"#)
        #expect(stop.reason == .other)
        #expect(stopAdjustments.map(\.kind) == [.enumFallback])
        // A required date must still parse.
        #expect(decodeError(OCPP16.StopTransaction.Request.self, #"{"meterStop":1,"timestamp":"soon","transactionId":1}"#,
                            mode: .lenient)?.code == .typeConstraintViolation)
    }

    @Test func dropsOnlyTheInvalidOptionalEnum() throws {
        let (clear, adjustments) = try lenient(OCPP16.ClearChargingProfile.Request.self, #"{"connectorId":1,"chargingProfilePurpose":"Bogus"}"#)
        #expect(clear.chargingProfilePurpose == nil)
        #expect(clear.connectorId == 1)
        #expect(adjustments == [OCPPAdjustment(path: "chargingProfilePurpose", kind: .invalidOptionalDropped, detail: "Bogus")])
        // A required enum inside an optional object is not a reason to drop the object.
        let error = decodeError(OCPP16.StopTransaction.Response.self, #"{"idTagInfo":{"status":"Bogus"}}"#, mode: .lenient)
        #expect(error?.code == .propertyConstraintViolation)
        #expect(error?.description == #"idTagInfo.status: "Bogus" is not a valid value"#)
    }

    @Test func acceptsTimestampWithoutOffset() throws {
        let (start, _) = try lenient(OCPP16.StartTransaction.Request.self,
                                     #"{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"2024-05-01T10:00:00"}"#)
        #expect(start.timestamp == date("2024-05-01T10:00:00Z"))
    }

    @Test func allQuirksInOneFrame() throws {
        let frame = try OCPPFrame.parse(#"""
            [2,"q1","MeterValues",{"connectorId":"1","transactionId":"9","meterValue":[{"timestamp":"2024-05-01T10:00:00",
              "sampledValue":[{"value":12.5,"context":"Sample.Foo","unit":"kWh"},{"value":"x","measurand":"Voltage"}]}],"vendor":"y"}]
            """#)
        guard case .call(_, let action, let payload) = frame else { Issue.record("not a call"); return }
        #expect(decodeError(OCPP16.MeterValues.Request.self, payload.ocppJSONString()) != nil)
        let request = try #require(try OCPP16.decodeChargerRequest(action: action, payload: payload, mode: .lenient) as? OCPP16.MeterValues.Request)
        #expect(request.connectorId == 1)
        #expect(request.transactionId == 9)
        #expect(request.meterValue[0].sampledValue[0].value == "12.5")
    }
}
