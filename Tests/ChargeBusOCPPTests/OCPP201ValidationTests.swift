import ChargeBusContract
import Testing
@testable import ChargeBusOCPP

/// OCPP 2.0.1 payloads in strict mode (every kind of schema violation, answered with the 2.0.1
/// error spellings) and in lenient mode (the same real-charger quirks as 1.6).
@Suite struct OCPP201ValidationTests {
    private func lenient<T: OCPPPayload>(_ type: T.Type, _ text: String) throws -> (value: T, adjustments: [OCPPAdjustment]) {
        try OCPPPayloadCoding.decodeReporting(type, from: json(text), mode: .lenient)
    }

    private func v201Code(_ error: OCPPValidationError?) -> String? {
        error.map { $0.code.wireName(for: .v201) }
    }

    // MARK: Strict

    @Test func missingRequiredFieldIsOccurrenceConstraintViolation() throws {
        let error = try #require(decodeError(OCPP201.StatusNotification.Request.self,
                                             #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Available","evseId":1}"#))
        #expect(error.code == .occurrenceConstraintViolation)
        #expect(error.description == "connectorId: required")
        #expect(error.callErrorFrame(messageID: "m1", for: .v201).serialized()
            == #"[4,"m1","OccurrenceConstraintViolation","connectorId: required",{"field":"connectorId"}]"#)
        let nested = decodeError(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Started","timestamp":"2024-05-01T10:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{}}
            """#)
        #expect(nested?.description == "transactionInfo.transactionId: required")
        #expect(decodeError(OCPP201.BootNotification.Request.self, #"{"reason":"PowerUp","chargingStation":{"model":"M"}}"#)?.description
            == "chargingStation.vendorName: required")
    }

    @Test func emptyArraysViolateMinItems() throws {
        let meter = try #require(decodeError(OCPP201.MeterValues.Request.self, #"{"evseId":1,"meterValue":[]}"#))
        #expect(v201Code(meter) == "OccurrenceConstraintViolation")
        #expect(meter.description == "meterValue: expected at least 1 elements, got 0")
        #expect(decodeError(OCPP201.MeterValues.Request.self, #"{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[]}]}"#)?
            .description == "meterValue[0].sampledValue: expected at least 1 elements, got 0")
        #expect(decodeError(OCPP201.NotifyEvent.Request.self, #"{"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"eventData":[]}"#)?.code
            == .occurrenceConstraintViolation)
        let attribute = #"{"value":"1"}"#
        let five = Array(repeating: attribute, count: 5).joined(separator: ",")
        #expect(decodeError(OCPP201.NotifyReport.Request.self, #"""
            {"requestId":1,"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"reportData":[{"component":{"name":"C"},"variable":{"name":"V"},"variableAttribute":[\#(five)]}]}
            """#)?.description == "reportData[0].variableAttribute: expected at most 4 elements, got 5")
        // Lenient mode accepts them.
        #expect(decodeError(OCPP201.MeterValues.Request.self, #"{"evseId":1,"meterValue":[]}"#, mode: .lenient) == nil)
    }

    @Test func unknownFieldIsFormatViolation() throws {
        let error = try #require(decodeError(OCPP201.Heartbeat.Request.self, #"{"x":1}"#))
        #expect(v201Code(error) == "FormatViolation")
        #expect(error.callErrorFrame(messageID: "h", for: .v201).serialized() == #"[4,"h","FormatViolation","x: unknown field",{"field":"x"}]"#)
        // 1.6-only fields are unknown in 2.0.1.
        #expect(decodeError(OCPP201.BootNotification.Request.self, #"""
            {"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","chargePointSerialNumber":"S"}}
            """#)?.description == "chargingStation.chargePointSerialNumber: unknown field")
        #expect(decodeError(OCPP201.MeterValues.Request.self, #"""
            {"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":1,"unit":"Wh"}]}]}
            """#)?.description == "meterValue[0].sampledValue[0].unit: unknown field")
    }

    @Test func wrongTypesAreTypeConstraintViolations() throws {
        // The 2.0.1 sampled value is a number: a string is a type violation in strict mode.
        let value = try #require(decodeError(OCPP201.MeterValues.Request.self, #"""
            {"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1234.5"}]}]}
            """#))
        #expect(v201Code(value) == "TypeConstraintViolation")
        #expect(value.description == "meterValue[0].sampledValue[0].value: expected number, got string")
        // The transaction id is a string: a number is a type violation.
        #expect(decodeError(OCPP201.RequestStopTransaction.Request.self, #"{"transactionId":42}"#)?.description
            == "transactionId: expected string, got number")
        #expect(decodeError(OCPP201.StatusNotification.Request.self,
                            #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Available","evseId":"1","connectorId":1}"#)?.code
            == .typeConstraintViolation)
        #expect(decodeError(OCPP201.Heartbeat.Response.self, #"{"currentTime":"2024-05-01 10:00:00"}"#)?.code == .typeConstraintViolation)
    }

    @Test func valuesOutsideEnumsAndLengthsArePropertyConstraintViolations() throws {
        // 1.6 status values are not 2.0.1 connector statuses.
        let status = try #require(decodeError(OCPP201.StatusNotification.Request.self,
                                              #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Charging","evseId":1,"connectorId":1}"#))
        #expect(v201Code(status) == "PropertyConstraintViolation")
        #expect(status.description == #"connectorStatus: "Charging" is not a valid value"#)
        #expect(decodeError(OCPP201.MeterValues.Request.self, #"""
            {"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":1,"measurand":"Temperature"}]}]}
            """#)?.code == .propertyConstraintViolation)
        let token = String(repeating: "A", count: 37)
        #expect(decodeError(OCPP201.Authorize.Request.self, #"{"idToken":{"idToken":"\#(token)","type":"ISO14443"}}"#)?.description
            == "idToken.idToken: string longer than 36 characters (37)")
        #expect(decodeError(OCPP201.BootNotification.Request.self, #"""
            {"reason":"PowerUp","chargingStation":{"model":"\#(String(repeating: "m", count: 21))","vendorName":"V"}}
            """#)?.code == .propertyConstraintViolation)
        #expect(decodeError(OCPP201.Authorize.Request.self, #"{"idToken":{"idToken":"A","type":"RFID"}}"#)?.code == .propertyConstraintViolation)
    }

    // MARK: Lenient

    @Test func truncatesDescriptiveStringsAndKeepsIdentifiersWhole() throws {
        let serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
        let (boot, adjustments) = try lenient(OCPP201.BootNotification.Request.self,
                                              #"{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","serialNumber":"\#(serial)"}}"#)
        #expect(boot.chargingStation.serialNumber == "ABCDEFGHIJKLMNOPQRSTUVWXY")
        #expect(adjustments.map(\.kind) == [.truncated])
        let token = "04E3C2A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6" // 38 characters
        let (authorize, tokenAdjustments) = try lenient(OCPP201.Authorize.Request.self, #"{"idToken":{"idToken":"\#(token)","type":"ISO14443"}}"#)
        #expect(authorize.idToken.idToken == token)
        #expect(tokenAdjustments.map(\.kind) == [.overLengthKept])
        let techInfo = String(repeating: "x", count: 510)
        let (event, _) = try lenient(OCPP201.NotifyEvent.Request.self, #"""
            {"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"eventData":[{"eventId":1,"timestamp":"2024-05-01T10:00:00Z","trigger":"Delta",
             "actualValue":"true","techInfo":"\#(techInfo)","eventNotificationType":"HardWiredNotification","component":{"name":"C"},"variable":{"name":"Problem"}}]}
            """#)
        #expect(event.eventData[0].techInfo?.count == 500)
    }

    @Test func acceptsNumbersAndBooleansAsStringsAndStringsAsNumbers() throws {
        let (status, adjustments) = try lenient(OCPP201.StatusNotification.Request.self,
                                                #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Available","evseId":"1","connectorId":"1"}"#)
        #expect(status.evseId == 1)
        #expect(adjustments.map(\.kind) == [.numberFromString, .numberFromString])
        let (meter, meterAdjustments) = try lenient(OCPP201.MeterValues.Request.self, #"""
            {"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1234.5","unitOfMeasure":{"unit":"Wh","multiplier":"0"}}]}]}
            """#)
        #expect(meter.meterValue[0].sampledValue[0].value == 1234.5)
        #expect(meterAdjustments.map(\.kind) == [.numberFromString, .numberFromString])
        let (event, eventAdjustments) = try lenient(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"Trigger","seqNo":1,"offline":"false","transactionInfo":{"transactionId":1042}}
            """#)
        #expect(event.transactionInfo.transactionId == "1042")
        #expect(event.offline == false)
        #expect(Set(eventAdjustments.map(\.kind)) == [.stringFromNumber, .boolFromString])
    }

    @Test func enumQuirks() throws {
        let (status, adjustments) = try lenient(OCPP201.StatusNotification.Request.self,
                                                #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"occupied","evseId":1,"connectorId":1}"#)
        #expect(status.connectorStatus == .occupied)
        #expect(adjustments.map(\.kind) == [.enumCaseFolded])
        // An unknown stop reason becomes Other; an invalid optional charging state is dropped.
        let (event, eventAdjustments) = try lenient(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Ended","timestamp":"2024-05-01T10:00:00Z","triggerReason":"StopAuthorized","seqNo":9,
             "transactionInfo":{"transactionId":"T","stoppedReason":"UserStopped","chargingState":"Finishing"}}
            """#)
        #expect(event.transactionInfo.stoppedReason == .other)
        #expect(event.transactionInfo.chargingState == nil)
        #expect(Set(eventAdjustments.map(\.kind)) == [.enumFallback, .invalidOptionalDropped])
        // Unknown measurands, contexts, phases and locations are kept.
        let (meter, meterAdjustments) = try lenient(OCPP201.MeterValues.Request.self, #"""
            {"evseId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":41,"measurand":"Temperature","context":"Sample.Foo","location":"body"}]}]}
            """#)
        #expect(meter.meterValue[0].sampledValue[0].measurand?.rawValue == "Temperature")
        #expect(meter.meterValue[0].sampledValue[0].location == .body)
        #expect(meterAdjustments.map(\.kind) == [.unknownEnumKept, .unknownEnumKept, .enumCaseFolded])
        // A required closed enum still has to be valid.
        #expect(decodeError(OCPP201.StatusNotification.Request.self,
                            #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Broken","evseId":1,"connectorId":1}"#, mode: .lenient)?
            .code == .propertyConstraintViolation)
    }

    @Test func nullsUnknownFieldsAndTimestamps() throws {
        let (event, adjustments) = try lenient(OCPP201.NotifyEvent.Request.self, #"""
            {"generatedAt":"2024-05-01T10:00:00","seqNo":0,"tbc":null,"vendorExtra":1,"eventData":[{"eventId":1,"timestamp":"2024-05-01T10:00:00Z",
             "trigger":"Delta","actualValue":"true","techCode":"null","eventNotificationType":"HardWiredNotification","component":{"name":"C"},
             "variable":{"name":"Problem"}}]}
            """#)
        #expect(event.generatedAt == date("2024-05-01T10:00:00Z"))
        #expect(event.tbc == nil)
        #expect(event.eventData[0].techCode == nil)
        #expect(Set(adjustments.map(\.kind)) == [.nullAsAbsent, .unknownFieldIgnored])
        // Required fields are still required.
        #expect(decodeError(OCPP201.TransactionEvent.Request.self, #"{"eventType":"Started","timestamp":"2024-05-01T10:00:00Z","seqNo":0}"#,
                            mode: .lenient)?.code == .occurrenceConstraintViolation)
    }

    @Test func lenientRouting() throws {
        let frame = try OCPPFrame.parse(#"""
            [2,"q1","MeterValues",{"evseId":"1","meterValue":[{"timestamp":"2024-05-01T10:00:00",
              "sampledValue":[{"value":"12.5","context":"Sample.Foo","unitOfMeasure":{"unit":"kWh"}}]}],"vendor":"y"}]
            """#, version: .v201)
        guard case .call(_, let action, let payload) = frame else { Issue.record("not a call"); return }
        #expect(throws: OCPPValidationError.self) { try OCPP201.decodeChargerRequest(action: action, payload: payload, mode: .strict) }
        let request = try #require(try OCPP201.decodeChargerRequest(action: action, payload: payload, mode: .lenient) as? OCPP201.MeterValues.Request)
        #expect(request.evseId == 1)
        #expect(request.meterValue[0].sampledValue[0].value == 12.5)
    }
}
