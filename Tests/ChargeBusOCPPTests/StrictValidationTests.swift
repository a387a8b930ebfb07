import ChargeBusContract
import Testing
@testable import ChargeBusOCPP

/// Strict mode: every kind of schema violation, with its error code and field path.
@Suite struct StrictValidationTests {
    @Test func payloadNotAnObject() throws {
        for payload: JSONValue in [.array([]), .string("x"), .null, .number(1)] {
            let error = #expect(throws: OCPPValidationError.self) {
                try OCPPPayloadCoding.decode(OCPP16.Heartbeat.Request.self, from: payload, mode: .strict)
            }
            #expect(error?.code == .formationViolation)
            let lenient = #expect(throws: OCPPValidationError.self) {
                try OCPPPayloadCoding.decode(OCPP16.Heartbeat.Request.self, from: payload, mode: .lenient)
            }
            #expect(lenient?.code == .formationViolation)
        }
    }

    @Test func missingRequiredField() throws {
        let error = try #require(decodeError(OCPP16.Authorize.Request.self, "{}"))
        #expect(error.code == .occurrenceConstraintViolation)
        #expect(error.description == "idTag: required")
        #expect(error.details == .object(["field": .string("idTag")]))
        #expect(error.field == "idTag")

        let nested = try #require(decodeError(OCPP16.MeterValues.Request.self,
                                              #"{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"unit":"Wh"}]}]}"#))
        #expect(nested.code == .occurrenceConstraintViolation)
        #expect(nested.description == "meterValue[0].sampledValue[0].value: required")

        let idTagInfo = try #require(decodeError(OCPP16.StartTransaction.Response.self, #"{"idTagInfo":{},"transactionId":1}"#))
        #expect(idTagInfo.description == "idTagInfo.status: required")
        // Lenient mode does not invent required values either.
        #expect(decodeError(OCPP16.Authorize.Request.self, "{}", mode: .lenient)?.code == .occurrenceConstraintViolation)
        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":1,"status":"Available"}"#, mode: .lenient)?
            .description == "errorCode: required")
    }

    @Test func unknownFieldIsFormationViolation() throws {
        let error = try #require(decodeError(OCPP16.Authorize.Request.self, #"{"idTag":"A","foo":1}"#))
        #expect(error.code == .formationViolation)
        #expect(error.description == "foo: unknown field")

        let nested = try #require(decodeError(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1","signature":"abc"}]}]}
            """#))
        #expect(nested.code == .formationViolation)
        #expect(nested.description == "meterValue[0].sampledValue[0].signature: unknown field")

        // Messages without fields too.
        #expect(decodeError(OCPP16.Heartbeat.Request.self, #"{"x":1}"#)?.description == "x: unknown field")
        #expect(decodeError(OCPP16.MeterValues.Response.self, #"{"x":1}"#)?.code == .formationViolation)
    }

    @Test func wrongJSONType() throws {
        let error = try #require(decodeError(OCPP16.StatusNotification.Request.self,
                                             #"{"connectorId":true,"errorCode":"NoError","status":"Available"}"#))
        #expect(error.code == .typeConstraintViolation)
        #expect(error.description == "connectorId: expected integer, got boolean")

        #expect(decodeError(OCPP16.Authorize.Request.self, #"{"idTag":5}"#)?.description == "idTag: expected string, got number")
        #expect(decodeError(OCPP16.MeterValues.Request.self, #"{"connectorId":1,"meterValue":{}}"#)?.description
            == "meterValue: expected array, got object")
        #expect(decodeError(OCPP16.Authorize.Response.self, #"{"idTagInfo":"Accepted"}"#)?.description
            == "idTagInfo: expected object, got string")
        #expect(decodeError(OCPP16.GetConfiguration.Response.self, #"{"configurationKey":[{"key":"k","readonly":"true"}]}"#)?
            .description == "configurationKey[0].readonly: expected boolean, got string")
        #expect(decodeError(OCPP16.StartTransaction.Request.self,
                            #"{"connectorId":1,"idTag":"A","meterStart":10.5,"timestamp":"2024-05-01T10:00:00Z"}"#)?.code
            == .typeConstraintViolation)
        #expect(decodeError(OCPP16.Authorize.Request.self, #"{"idTag":null}"#)?.code == .typeConstraintViolation)
    }

    @Test func numbersAsStringsAreTypeViolations() throws {
        let error = try #require(decodeError(OCPP16.StatusNotification.Request.self,
                                             #"{"connectorId":"1","errorCode":"NoError","status":"Available"}"#))
        #expect(error.code == .typeConstraintViolation)
        #expect(error.description == "connectorId: expected integer, got string")

        let meter = try #require(decodeError(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":1234.5}]}]}
            """#))
        #expect(meter.code == .typeConstraintViolation)
        #expect(meter.description == "meterValue[0].sampledValue[0].value: expected string, got number")
        #expect(meter.details == .object(["field": .string("meterValue[0].sampledValue[0].value")]))
    }

    @Test func nullForOptionalField() throws {
        let error = try #require(decodeError(OCPP16.StatusNotification.Request.self,
                                             #"{"connectorId":1,"errorCode":"NoError","status":"Available","info":null}"#))
        #expect(error.code == .typeConstraintViolation)
        #expect(error.description == "info: expected string, got null")
    }

    @Test func valueOutsideEnumeration() throws {
        let status = try #require(decodeError(OCPP16.StatusNotification.Request.self,
                                              #"{"connectorId":1,"errorCode":"NoError","status":"Broken"}"#))
        #expect(status.code == .propertyConstraintViolation)
        #expect(status.description == #"status: "Broken" is not a valid value"#)

        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":1,"errorCode":"Error","status":"Faulted"}"#)?
            .code == .propertyConstraintViolation)
        #expect(decodeError(OCPP16.StatusNotification.Request.self, #"{"connectorId":1,"errorCode":"NoError","status":"available"}"#)?
            .code == .propertyConstraintViolation)

        let context = try #require(decodeError(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1","context":"Sample.Foo"}]}]}
            """#))
        #expect(context.code == .propertyConstraintViolation)
        #expect(context.description == #"meterValue[0].sampledValue[0].context: "Sample.Foo" is not a valid value"#)

        #expect(decodeError(OCPP16.MeterValues.Request.self, #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1","measurand":"Energy.Total"}]}]}
            """#)?.code == .propertyConstraintViolation)
        #expect(decodeError(OCPP16.StopTransaction.Request.self,
                            #"{"meterStop":1,"timestamp":"2024-05-01T10:00:00Z","transactionId":1,"reason":"Timeout"}"#)?.code
            == .propertyConstraintViolation)
    }

    @Test func stringTooLong() throws {
        let serial = String(repeating: "S", count: 26)
        let error = try #require(decodeError(OCPP16.BootNotification.Request.self,
                                             #"{"chargePointVendor":"V","chargePointModel":"M","chargePointSerialNumber":"\#(serial)"}"#))
        #expect(error.code == .propertyConstraintViolation)
        #expect(error.description == "chargePointSerialNumber: string longer than 25 characters (26)")
        // Exactly at the limit is fine; lengths count characters, not bytes.
        let exact = String(repeating: "é", count: 25)
        let boot = try OCPPPayloadCoding.decode(OCPP16.BootNotification.Request.self,
                                                from: json(#"{"chargePointVendor":"V","chargePointModel":"M","chargePointSerialNumber":"\#(exact)"}"#),
                                                mode: .strict)
        #expect(boot.chargePointSerialNumber == exact)

        #expect(decodeError(OCPP16.Authorize.Request.self, #"{"idTag":"\#(String(repeating: "1", count: 21))"}"#)?.code
            == .propertyConstraintViolation)
        #expect(decodeError(OCPP16.GetConfiguration.Request.self, #"{"key":["ok","\#(String(repeating: "k", count: 51))"]}"#)?
            .description == "key[1]: string longer than 50 characters (51)")
    }

    @Test func integerOutOfRange() throws {
        let negative = try #require(decodeError(OCPP16.StatusNotification.Request.self,
                                                #"{"connectorId":-1,"errorCode":"NoError","status":"Available"}"#))
        #expect(negative.code == .propertyConstraintViolation)
        #expect(negative.description == "connectorId: must be at least 0, got -1")
        #expect(decodeError(OCPP16.StartTransaction.Request.self,
                            #"{"connectorId":0,"idTag":"A","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}"#)?.code
            == .propertyConstraintViolation)
        let huge = try #require(decodeError(OCPP16.MeterValues.Request.self, #"{"connectorId":1,"transactionId":1e20,"meterValue":[]}"#))
        #expect(huge.code == .propertyConstraintViolation)
        #expect(huge.description == "transactionId: integer out of range")
    }

    @Test func malformedDates() throws {
        let error = try #require(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":"yesterday"}"#))
        #expect(error.code == .typeConstraintViolation)
        #expect(error.description == #"currentTime: expected RFC 3339 date-time, got "yesterday""#)
        // RFC 3339 needs an offset and a T: strict rejects what lenient accepts.
        #expect(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":"2024-05-01T10:00:00"}"#)?.code == .typeConstraintViolation)
        #expect(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":"2024-05-01 10:00:00Z"}"#)?.code == .typeConstraintViolation)
        #expect(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":"2024-05-01T10:00:00"}"#, mode: .lenient) == nil)
        #expect(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":"2024-05-01T10:00:00.5-05:00"}"#) == nil)
        #expect(decodeError(OCPP16.Heartbeat.Response.self, #"{"currentTime":1714557600}"#)?.code == .typeConstraintViolation)
    }

    @Test func dataTransferDataMustBeAString() throws {
        let error = try #require(decodeError(OCPP16.DataTransfer.Request.self, #"{"vendorId":"v","data":{"a":1}}"#))
        #expect(error.code == .typeConstraintViolation)
        #expect(error.description == "data: expected string, got object")
        let lenient = try OCPPPayloadCoding.decode(OCPP16.DataTransfer.Request.self, from: json(#"{"vendorId":"v","data":{"a":1}}"#),
                                                   mode: .lenient)
        #expect(lenient.data == .object(["a": .number(1)]))
    }

    @Test func chargingScheduleLimitsAreTenths() throws {
        let payload = #"""
            {"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",
             "chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":LIMIT}]}}}
            """#
        #expect(decodeError(OCPP16.SetChargingProfile.Request.self, payload.replacingOccurrences(of: "LIMIT", with: "16.3")) == nil)
        #expect(decodeError(OCPP16.SetChargingProfile.Request.self, payload.replacingOccurrences(of: "LIMIT", with: "32")) == nil)
        let error = try #require(decodeError(OCPP16.SetChargingProfile.Request.self, payload.replacingOccurrences(of: "LIMIT", with: "16.25")))
        #expect(error.code == .propertyConstraintViolation)
        #expect(error.description.hasPrefix("csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit:"))
    }

    @Test func strictReportsNoAdjustments() throws {
        let (value, adjustments) = try OCPPPayloadCoding.decodeReporting(OCPP16.Authorize.Request.self, from: json(#"{"idTag":"A"}"#),
                                                                         mode: .strict)
        #expect(value.idTag == "A")
        #expect(adjustments.isEmpty)
    }

    @Test func validationErrorBuildsCallError() throws {
        let error = try #require(decodeError(OCPP16.Authorize.Request.self, "{}"))
        #expect(error.callErrorFrame(messageID: "m1", for: .v16).serialized()
            == #"[4,"m1","OccurenceConstraintViolation","idTag: required",{"field":"idTag"}]"#)
        #expect(error.callErrorFrame(messageID: "m1", for: .v201).serialized()
            == #"[4,"m1","OccurrenceConstraintViolation","idTag: required",{"field":"idTag"}]"#)
    }
}
