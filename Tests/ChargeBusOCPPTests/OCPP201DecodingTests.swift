import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

/// Valid examples of every charger-initiated OCPP 2.0.1 message, decoded strictly, and of the
/// responses the bridge sends.
@Suite struct OCPP201DecodingTests {
    private func decode<T: OCPPPayload>(_ type: T.Type, _ text: String) throws -> T {
        try OCPPPayloadCoding.decode(type, from: json(text), mode: .strict)
    }

    @Test func bootNotification() throws {
        let request = try decode(OCPP201.BootNotification.Request.self, #"""
            {"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX","serialNumber":"SN-0001",
             "firmwareVersion":"2.8.1","modem":{"iccid":"8931080019073497795","imsi":"204080019073497"}}}
            """#)
        #expect(request == OCPP201.BootNotification.Request(
            chargingStation: .init(serialNumber: "SN-0001", model: "SingleSocketCharger",
                                   modem: .init(iccid: "8931080019073497795", imsi: "204080019073497"),
                                   vendorName: "VendorX", firmwareVersion: "2.8.1"),
            reason: .powerUp))
        let minimal = try decode(OCPP201.BootNotification.Request.self, #"{"reason":"Unknown","chargingStation":{"model":"M","vendorName":"V"}}"#)
        #expect(minimal.chargingStation.serialNumber == nil)
        #expect(OCPP201.BootReasonEnumType.allCases.count == 9)
        for reason in OCPP201.BootReasonEnumType.allCases {
            let decoded = try decode(OCPP201.BootNotification.Request.self,
                                     #"{"reason":"\#(reason.rawValue)","chargingStation":{"model":"M","vendorName":"V"}}"#)
            #expect(decoded.reason == reason)
        }
    }

    @Test func heartbeat() throws {
        _ = try decode(OCPP201.Heartbeat.Request.self, "{}")
        let response = try decode(OCPP201.Heartbeat.Response.self, #"{"currentTime":"2024-05-01T10:00:00.123Z"}"#)
        #expect(response.currentTime == date("2024-05-01T10:00:00.123Z"))
    }

    @Test func statusNotification() throws {
        let request = try decode(OCPP201.StatusNotification.Request.self,
                                 #"{"timestamp":"2024-05-01T10:00:00Z","connectorStatus":"Occupied","evseId":1,"connectorId":1}"#)
        #expect(request == OCPP201.StatusNotification.Request(timestamp: date("2024-05-01T10:00:00Z"), connectorStatus: .occupied,
                                                              evseId: 1, connectorId: 1))
        #expect(OCPP201.ConnectorStatusEnumType.allCases.map(\.rawValue) == ["Available", "Occupied", "Reserved", "Unavailable", "Faulted"])
    }

    @Test func transactionEventStartedUpdatedEnded() throws {
        let started = try decode(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Started","timestamp":"2024-05-01T09:58:01Z","triggerReason":"Authorized","seqNo":0,
             "transactionInfo":{"transactionId":"f3b2c1a0-1d2e-4f50-8a9b-0c1d2e3f4a5b","chargingState":"EVConnected","remoteStartId":7},
             "evse":{"id":1,"connectorId":1},"idToken":{"idToken":"04E3C2A1B2C3D4","type":"ISO14443"},"reservationId":3,
             "meterValue":[{"timestamp":"2024-05-01T09:58:01Z","sampledValue":[
               {"value":1500230,"context":"Transaction.Begin","measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"Wh"}}]}]}
            """#)
        #expect(started.eventType == .started)
        #expect(started.triggerReason == .authorized)
        #expect(started.transactionInfo.transactionId == "f3b2c1a0-1d2e-4f50-8a9b-0c1d2e3f4a5b")
        #expect(started.transactionInfo.chargingState == .evConnected)
        #expect(started.transactionInfo.remoteStartId == 7)
        #expect(started.evse == OCPP201.EVSEType(id: 1, connectorId: 1))
        #expect(started.idToken == OCPP201.IdTokenType(idToken: "04E3C2A1B2C3D4", type: .iso14443))
        #expect(started.meterValue?[0].sampledValue[0].value == 1_500_230)
        #expect(started.meterValue?[0].sampledValue[0].context == .transactionBegin)

        let updated = try decode(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Updated","timestamp":"2024-05-01T10:13:01Z","triggerReason":"MeterValuePeriodic","seqNo":1,"offline":false,
             "numberOfPhasesUsed":3,"cableMaxCurrent":32,"transactionInfo":{"transactionId":"T-1","chargingState":"Charging","timeSpentCharging":900},
             "meterValue":[{"timestamp":"2024-05-01T10:13:01Z","sampledValue":[
               {"value":1.5025,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"kWh","multiplier":3}},
               {"value":11.04,"measurand":"Power.Active.Import","unitOfMeasure":{"unit":"kW"}},
               {"value":16.1,"measurand":"Current.Import","phase":"L1","location":"Outlet"},
               {"value":54,"measurand":"SoC","location":"EV","unitOfMeasure":{"unit":"Percent"}}]}]}
            """#)
        #expect(updated.transactionInfo.chargingState == .charging)
        #expect(updated.transactionInfo.timeSpentCharging == 900)
        #expect(updated.meterValue?[0].sampledValue[0].unitOfMeasure == OCPP201.UnitOfMeasureType(unit: "kWh", multiplier: 3))
        #expect(updated.meterValue?[0].sampledValue[2].phase == .l1)
        #expect(updated.numberOfPhasesUsed == 3)

        let ended = try decode(OCPP201.TransactionEvent.Request.self, #"""
            {"eventType":"Ended","timestamp":"2024-05-01T11:00:00Z","triggerReason":"EVDeparted","seqNo":2,
             "transactionInfo":{"transactionId":"T-1","chargingState":"Idle","stoppedReason":"EVDisconnected"},
             "meterValue":[{"timestamp":"2024-05-01T11:00:00Z","sampledValue":[{"value":1510230,"context":"Transaction.End"}]}]}
            """#)
        #expect(ended.eventType == .ended)
        #expect(ended.transactionInfo.stoppedReason == .evDisconnected)
        #expect(ended.evse == nil)

        for reason in OCPP201.TriggerReasonEnumType.allCases {
            let decoded = try decode(OCPP201.TransactionEvent.Request.self, #"""
                {"eventType":"Updated","timestamp":"2024-05-01T11:00:00Z","triggerReason":"\#(reason.rawValue)","seqNo":5,"transactionInfo":{"transactionId":"T"}}
                """#)
            #expect(decoded.triggerReason == reason)
        }
        #expect(OCPP201.TriggerReasonEnumType.allCases.count == 21)
        #expect(OCPP201.ReasonEnumType.allCases.count == 19)
    }

    @Test func meterValues() throws {
        let request = try decode(OCPP201.MeterValues.Request.self, #"""
            {"evseId":0,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[
              {"value":230.4,"measurand":"Voltage","phase":"L1-N","unitOfMeasure":{"unit":"V"}},
              {"value":1234,"signedMeterValue":{"signedMeterData":"QUJD","signingMethod":"ECDSA-secp256r1-SHA256","encodingMethod":"OCMF","publicKey":"UEs="}},
              {"value":50.01,"measurand":"Frequency","context":"Sample.Clock"}]}]}
            """#)
        #expect(request.evseId == 0)
        let samples = request.meterValue[0].sampledValue
        #expect(samples[0].phase == .l1N)
        #expect(samples[1].signedMeterValue?.encodingMethod == "OCMF")
        #expect(samples[2].measurand == .frequency)
        _ = try decode(OCPP201.MeterValues.Response.self, "{}")
    }

    @Test func authorize() throws {
        let request = try decode(OCPP201.Authorize.Request.self, #"""
            {"idToken":{"idToken":"DEABC123456789","type":"eMAID","additionalInfo":[{"additionalIdToken":"X1","type":"VisualId"}]},
             "iso15118CertificateHashData":[{"hashAlgorithm":"SHA256","issuerNameHash":"aa","issuerKeyHash":"bb","serialNumber":"01","responderURL":"http://ocsp.example.com"}]}
            """#)
        #expect(request.idToken.type == .eMAID)
        #expect(request.idToken.additionalInfo?.first?.type == "VisualId")
        #expect(request.iso15118CertificateHashData?.first?.hashAlgorithm == .sha256)
        let response = try decode(OCPP201.Authorize.Response.self, #"""
            {"idTokenInfo":{"status":"Accepted","cacheExpiryDateTime":"2024-06-01T00:00:00Z","groupIdToken":{"idToken":"G1","type":"Central"},
             "evseId":[1,2],"language1":"en","personalMessage":{"format":"UTF8","content":"Welcome"}},"certificateStatus":"Accepted"}
            """#)
        #expect(response.idTokenInfo.status == .accepted)
        #expect(response.idTokenInfo.evseId == [1, 2])
        #expect(response.idTokenInfo.personalMessage?.content == "Welcome")
        for token in OCPP201.IdTokenEnumType.allCases {
            #expect(try decode(OCPP201.Authorize.Request.self, #"{"idToken":{"idToken":"","type":"\#(token.rawValue)"}}"#).idToken.type == token)
        }
    }

    @Test func notifyEvent() throws {
        let request = try decode(OCPP201.NotifyEvent.Request.self, #"""
            {"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"tbc":false,"eventData":[
              {"eventId":11,"timestamp":"2024-05-01T10:00:00Z","trigger":"Delta","actualValue":"true","techCode":"E-LOCK-3",
               "techInfo":"lock motor stalled","eventNotificationType":"HardWiredMonitor","transactionId":"T-1",
               "component":{"name":"ConnectorPlugRetentionLock","evse":{"id":1,"connectorId":1}},"variable":{"name":"Problem"}},
              {"eventId":12,"timestamp":"2024-05-01T10:00:01Z","trigger":"Alerting","cause":11,"actualValue":"85.5","cleared":false,
               "variableMonitoringId":4,"eventNotificationType":"CustomMonitor","component":{"name":"TemperatureSensor","instance":"Outlet"},
               "variable":{"name":"Temperature"}}]}
            """#)
        #expect(request.eventData.count == 2)
        #expect(request.eventData[0].component.evse?.id == 1)
        #expect(request.eventData[0].techCode == "E-LOCK-3")
        #expect(request.eventData[1].cause == 11)
        #expect(request.eventData[1].component.instance == "Outlet")
        #expect(request.eventData[1].eventNotificationType == .customMonitor)
    }

    @Test func notifyReport() throws {
        let request = try decode(OCPP201.NotifyReport.Request.self, #"""
            {"requestId":1,"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"tbc":true,"reportData":[
              {"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},
               "variableAttribute":[{"type":"Actual","value":"300","mutability":"ReadWrite","persistent":true,"constant":false}],
               "variableCharacteristics":{"unit":"s","dataType":"integer","minLimit":1,"maxLimit":86400,"supportsMonitoring":true}},
              {"component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedMeasurands"},
               "variableAttribute":[{"value":"Energy.Active.Import.Register,Power.Active.Import"}],
               "variableCharacteristics":{"dataType":"MemberList","valuesList":"Energy.Active.Import.Register,Power.Active.Import,SoC","supportsMonitoring":false}}]}
            """#)
        #expect(request.tbc == true)
        #expect(request.reportData?[0].variableAttribute[0].mutability == .readWrite)
        #expect(request.reportData?[0].variableCharacteristics?.dataType == .integer)
        #expect(request.reportData?[1].variableCharacteristics?.dataType == .memberList)
        let empty = try decode(OCPP201.NotifyReport.Request.self, #"{"requestId":2,"generatedAt":"2024-05-01T10:00:00Z","seqNo":3}"#)
        #expect(empty.reportData == nil)
    }

    @Test func securityFirmwareLogAndDataTransfer() throws {
        let security = try decode(OCPP201.SecurityEventNotification.Request.self,
                                  #"{"type":"SettingSystemTime","timestamp":"2024-05-01T10:00:00Z","techInfo":"ntp"}"#)
        #expect(security.type == "SettingSystemTime")
        for status in OCPP201.FirmwareStatusEnumType.allCases {
            let request = try decode(OCPP201.FirmwareStatusNotification.Request.self, #"{"status":"\#(status.rawValue)","requestId":4}"#)
            #expect(request.status == status)
        }
        #expect(OCPP201.FirmwareStatusEnumType.allCases.count == 14)
        for status in OCPP201.UploadLogStatusEnumType.allCases {
            #expect(try decode(OCPP201.LogStatusNotification.Request.self, #"{"status":"\#(status.rawValue)"}"#).status == status)
        }
        // DataTransfer.data is of any type in 2.0.1, also in strict mode.
        let transfer = try decode(OCPP201.DataTransfer.Request.self, #"{"vendorId":"com.example","messageId":"Hello","data":{"x":[1,2]}}"#)
        #expect(transfer.data == .object(["x": .array([.number(1), .number(2)])]))
        #expect(try decode(OCPP201.DataTransfer.Request.self, #"{"vendorId":"v","data":"text"}"#).data == .string("text"))
        let response = try decode(OCPP201.DataTransfer.Response.self, #"{"status":"UnknownVendorId","statusInfo":{"reasonCode":"UnknownVendor"}}"#)
        #expect(response.statusInfo?.reasonCode == "UnknownVendor")
        // The empty responses the bridge sends.
        for type: any OCPPPayload.Type in [OCPP201.SecurityEventNotification.Response.self, OCPP201.FirmwareStatusNotification.Response.self,
                                           OCPP201.LogStatusNotification.Response.self, OCPP201.NotifyEvent.Response.self,
                                           OCPP201.NotifyReport.Response.self, OCPP201.StatusNotification.Response.self] {
            _ = try OCPPPayloadCoding.decode(type, from: .object([:]), mode: .strict)
        }
    }

    @Test func customDataIsAcceptedEverywhere() throws {
        let request = try decode(OCPP201.TransactionEvent.Request.self, #"""
            {"customData":{"vendorId":"com.vendor","sessionColor":"green","n":1},"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z",
             "triggerReason":"MeterValuePeriodic","seqNo":1,
             "transactionInfo":{"transactionId":"T","customData":{"vendorId":"v"}},
             "evse":{"id":1,"customData":{"vendorId":"v","slot":"A"}},
             "idToken":{"idToken":"X","type":"Local","customData":{"vendorId":"v"}},
             "meterValue":[{"timestamp":"2024-05-01T10:00:00Z","customData":{"vendorId":"v"},"sampledValue":[
               {"value":1,"customData":{"vendorId":"v","raw":"0x01"},"unitOfMeasure":{"unit":"Wh","customData":{"vendorId":"v"}}}]}]}
            """#)
        #expect(request.customData == OCPP201.CustomDataType(vendorId: "com.vendor", properties: ["sessionColor": .string("green"), "n": .number(1)]))
        #expect(request.evse?.customData?.properties == ["slot": .string("A")])
        #expect(request.meterValue?[0].sampledValue[0].customData?.properties["raw"] == .string("0x01"))
        // customData must still have its vendorId.
        let error = decodeError(OCPP201.Heartbeat.Request.self, #"{"customData":{"x":1}}"#)
        #expect(error?.code == .occurrenceConstraintViolation)
        #expect(error?.description == "customData.vendorId: required")
        // And it is written back as received.
        let encoded = OCPPPayloadCoding.encode(request)
        #expect(encoded["customData"] == json(#"{"vendorId":"com.vendor","sessionColor":"green","n":1}"#))
        #expect(try OCPPPayloadCoding.decode(OCPP201.TransactionEvent.Request.self, from: encoded, mode: .strict) == request)
    }

    // MARK: Responses the bridge sends, encoded

    @Test func encodesResponses() throws {
        let boot = OCPP201.BootNotification.Response(currentTime: date("2024-05-01T10:00:00Z"), interval: 300, status: .accepted)
        #expect(OCPPFrame.callResult(messageID: "1", payload: OCPPPayloadCoding.encode(boot)).serialized()
            == #"[3,"1",{"currentTime":"2024-05-01T10:00:00.000Z","interval":300,"status":"Accepted"}]"#)
        #expect(try decode(OCPP201.BootNotification.Response.self, OCPPPayloadCoding.encode(boot).ocppJSONString()) == boot)

        let authorize = OCPP201.Authorize.Response(idTokenInfo: .init(status: .blocked))
        #expect(OCPPPayloadCoding.encode(authorize).ocppJSONString() == #"{"idTokenInfo":{"status":"Blocked"}}"#)
        let transaction = OCPP201.TransactionEvent.Response(idTokenInfo: .init(status: .accepted, groupIdToken: .init(idToken: "P", type: .central)))
        #expect(OCPPPayloadCoding.encode(transaction).ocppJSONString()
            == #"{"idTokenInfo":{"groupIdToken":{"idToken":"P","type":"Central"},"status":"Accepted"}}"#)
        #expect(OCPPPayloadCoding.encode(OCPP201.StatusNotification.Response()) == .object([:]))
        #expect(OCPPPayloadCoding.encode(OCPP201.DataTransfer.Response(status: .rejected)) == .object(["status": .string("Rejected")]))
    }

    @Test func encodesAndDecodesRequestsRoundTrip() throws {
        let event = OCPP201.TransactionEvent.Request(
            eventType: .updated, meterValue: [.init(sampledValue: [.init(value: 12.5, measurand: .powerActiveImport, phase: .l2,
                                                                          unitOfMeasure: .init(unit: "kW"))],
                                                    timestamp: date("2024-05-01T10:00:00.250Z"))],
            timestamp: date("2024-05-01T10:00:00.250Z"), triggerReason: .meterValuePeriodic, seqNo: 3,
            transactionInfo: .init(transactionId: "T-9", chargingState: .charging))
        let encoded = OCPPPayloadCoding.encode(event)
        #expect(encoded["meterValue"] == json(#"""
            [{"timestamp":"2024-05-01T10:00:00.250Z","sampledValue":[{"value":12.5,"measurand":"Power.Active.Import","phase":"L2","unitOfMeasure":{"unit":"kW"}}]}]
            """#))
        #expect(try OCPPPayloadCoding.decode(OCPP201.TransactionEvent.Request.self, from: encoded, mode: .strict) == event)
    }

    @Test func worksWithFoundationCoders() throws {
        let request = OCPP201.StatusNotification.Request(timestamp: date("2024-05-01T10:00:00Z"), connectorStatus: .faulted, evseId: 2, connectorId: 1)
        let bytes = try BusCoding.encode(request)
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"connectorId":1,"connectorStatus":"Faulted","evseId":2,"timestamp":"2024-05-01T10:00:00.000Z"}"#)
        #expect(try BusCoding.decode(OCPP201.StatusNotification.Request.self, from: bytes) == request)
        let custom = OCPP201.Heartbeat.Request(customData: .init(vendorId: "v", properties: ["a": .bool(true)]))
        let customBytes = try BusCoding.encode(custom)
        #expect(try BusCoding.decode(OCPP201.Heartbeat.Request.self, from: customBytes) == custom)
    }

    // MARK: Responses from the charging station

    @Test func chargerResponses() throws {
        let cases: [(String, String)] = [
            ("ChangeAvailability", #"{"status":"Scheduled"}"#),
            ("ClearCache", #"{"status":"Accepted","statusInfo":{"reasonCode":"NoCache","additionalInfo":"cache disabled"}}"#),
            ("DataTransfer", #"{"status":"Accepted","data":{"k":"v"}}"#),
            ("GetLog", #"{"status":"Accepted","filename":"diag-2024-05-01.zip"}"#),
            ("GetVariables", #"""
                {"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"300","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},
                 {"attributeStatus":"UnknownVariable","attributeType":"Actual","component":{"name":"X"},"variable":{"name":"Y"}}]}
                """#),
            ("RequestStartTransaction", #"{"status":"Accepted","transactionId":"T-5"}"#),
            ("RequestStopTransaction", #"{"status":"Rejected"}"#),
            ("Reset", #"{"status":"Scheduled"}"#),
            ("SetVariables", #"""
                {"setVariableResult":[{"attributeStatus":"RebootRequired","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}
                """#),
            ("TriggerMessage", #"{"status":"NotImplemented"}"#),
            ("UnlockConnector", #"{"status":"OngoingAuthorizedTransaction"}"#),
            ("UpdateFirmware", #"{"status":"InvalidCertificate"}"#),
        ]
        for (action, payload) in cases {
            _ = try OCPP201.decodeChargerResponse(action: action, payload: json(payload), mode: .strict)
        }
        #expect(Set(cases.map(\.0)) == OCPP201.csmsInitiatedActions)
        let get = try #require(try OCPP201.decodeChargerResponse(action: "GetVariables", payload: json(cases[4].1), mode: .strict)
            as? OCPP201.GetVariables.Response)
        #expect(get.getVariableResult[1].attributeStatus == .unknownVariable)
    }

    // MARK: Routing

    @Test func routing() throws {
        #expect(OCPP201.chargerInitiatedActions == ["Authorize", "BootNotification", "DataTransfer", "FirmwareStatusNotification", "Heartbeat",
                                                    "LogStatusNotification", "MeterValues", "NotifyEvent", "NotifyReport",
                                                    "SecurityEventNotification", "StatusNotification", "TransactionEvent"])
        #expect(OCPP201.csmsInitiatedActions == ["ChangeAvailability", "ClearCache", "DataTransfer", "GetLog", "GetVariables",
                                                 "RequestStartTransaction", "RequestStopTransaction", "Reset", "SetVariables",
                                                 "TriggerMessage", "UnlockConnector", "UpdateFirmware"])
        for type in OCPP201.chargerRequestTypes.values { #expect(OCPP201.chargerRequestTypes[type.action] != nil) }
        let request = try OCPP201.decodeChargerRequest(action: "Heartbeat", payload: json("{}"), mode: .strict)
        #expect(request is OCPP201.Heartbeat.Request)
        #expect(throws: OCPPValidationError(code: .notImplemented, description: "Unknown OCPP 2.0.1 action \"StartTransaction\"")) {
            try OCPP201.decodeChargerRequest(action: "StartTransaction", payload: json("{}"), mode: .lenient)
        }
        let wrongDirection = #expect(throws: OCPPValidationError.self) {
            try OCPP201.decodeChargerRequest(action: "Reset", payload: json(#"{"type":"Immediate"}"#), mode: .lenient)
        }
        #expect(wrongDirection?.code == .notSupported)
        // A CSMS-initiated 2.0.1 action this module does not model is still the wrong direction.
        #expect(throws: OCPPValidationError(code: .notSupported, description: "SetChargingProfile is not accepted in this direction")) {
            try OCPP201.decodeChargerRequest(action: "SetChargingProfile", payload: json("{}"), mode: .lenient)
        }
        // A charger-initiated 2.0.1 action this module does not model is recognized, not supported.
        #expect(throws: OCPPValidationError(code: .notSupported, description: "NotifyEVChargingNeeds is not supported")) {
            try OCPP201.decodeChargerRequest(action: "NotifyEVChargingNeeds", payload: json("{}"), mode: .strict)
        }
        #expect(OCPP201.unsupportedChargerActions.isDisjoint(with: OCPP201.chargerInitiatedActions))
        // 1.6 routing is untouched.
        #expect(OCPP16.chargerInitiatedActions.contains("StartTransaction"))
    }
}
