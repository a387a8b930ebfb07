import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

/// Valid examples of every charger-initiated message, decoded strictly, and of the responses.
@Suite struct DecodingTests {
    @Test func authorize() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.Authorize.Request.self, from: json(#"{"idTag":"04E3C2A1B2C3D4"}"#), mode: .strict)
        #expect(request.idTag == "04E3C2A1B2C3D4")
        #expect(OCPP16.Authorize.Request.action == "Authorize")
    }

    @Test func bootNotification() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.BootNotification.Request.self, from: json(#"""
            {"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger","chargePointSerialNumber":"SN-0001",
             "chargeBoxSerialNumber":"CB-0001","firmwareVersion":"1.2.3","iccid":"8931080019073497795","imsi":"204080019073497",
             "meterType":"ABB B23","meterSerialNumber":"M-123"}
            """#), mode: .strict)
        #expect(request == OCPP16.BootNotification.Request(
            chargePointVendor: "VendorX", chargePointModel: "SingleSocketCharger", chargePointSerialNumber: "SN-0001",
            chargeBoxSerialNumber: "CB-0001", firmwareVersion: "1.2.3", iccid: "8931080019073497795", imsi: "204080019073497",
            meterType: "ABB B23", meterSerialNumber: "M-123"))

        let minimal = try OCPPPayloadCoding.decode(OCPP16.BootNotification.Request.self,
                                                   from: json(#"{"chargePointVendor":"V","chargePointModel":"M"}"#), mode: .strict)
        #expect(minimal.chargePointSerialNumber == nil)
        #expect(minimal.firmwareVersion == nil)
    }

    @Test func dataTransfer() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.DataTransfer.Request.self,
                                                   from: json(#"{"vendorId":"com.example","messageId":"Hello","data":"{\"x\":1}"}"#),
                                                   mode: .strict)
        #expect(request.vendorId == "com.example")
        #expect(request.messageId == "Hello")
        #expect(request.data == .string(#"{"x":1}"#))
        let bare = try OCPPPayloadCoding.decode(OCPP16.DataTransfer.Request.self, from: json(#"{"vendorId":"v"}"#), mode: .strict)
        #expect(bare.data == nil)
    }

    @Test func diagnosticsAndFirmwareStatusNotification() throws {
        for status in ["Idle", "Uploaded", "UploadFailed", "Uploading"] {
            let request = try OCPPPayloadCoding.decode(OCPP16.DiagnosticsStatusNotification.Request.self,
                                                       from: json(#"{"status":"\#(status)"}"#), mode: .strict)
            #expect(request.status.rawValue == status)
        }
        for status in ["Downloaded", "DownloadFailed", "Downloading", "Idle", "InstallationFailed", "Installing", "Installed"] {
            let request = try OCPPPayloadCoding.decode(OCPP16.FirmwareStatusNotification.Request.self,
                                                       from: json(#"{"status":"\#(status)"}"#), mode: .strict)
            #expect(request.status.rawValue == status)
        }
    }

    @Test func heartbeat() throws {
        _ = try OCPPPayloadCoding.decode(OCPP16.Heartbeat.Request.self, from: json("{}"), mode: .strict)
        let response = try OCPPPayloadCoding.decode(OCPP16.Heartbeat.Response.self,
                                                    from: json(#"{"currentTime":"2024-05-01T10:00:00.123Z"}"#), mode: .strict)
        #expect(response.currentTime == date("2024-05-01T10:00:00.123Z"))
    }

    @Test func meterValues() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.MeterValues.Request.self, from: json(#"""
            {"connectorId":1,"transactionId":170,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[
              {"value":"5995441.000","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"},
              {"value":"7.2","context":"Sample.Periodic","format":"Raw","measurand":"Power.Active.Import","unit":"kW"},
              {"value":"16.0","measurand":"Current.Import","phase":"L1","unit":"A"},
              {"value":"231.5","measurand":"Voltage","phase":"L1-N","unit":"V"},
              {"value":"25","measurand":"Temperature","location":"Body","unit":"Celsius"},
              {"value":"20","measurand":"Temperature","location":"Cable","unit":"Celcius"},
              {"value":"80","measurand":"SoC","location":"EV","unit":"Percent"},
              {"value":"1234"}]}]}
            """#), mode: .strict)
        #expect(request.connectorId == 1)
        #expect(request.transactionId == 170)
        #expect(request.meterValue.count == 1)
        let samples = request.meterValue[0].sampledValue
        #expect(request.meterValue[0].timestamp == date("2024-05-01T10:00:00Z"))
        #expect(samples.count == 8)
        #expect(samples[0].measurand == .energyActiveImportRegister)
        #expect(samples[0].context == .samplePeriodic)
        #expect(samples[0].location == .outlet)
        #expect(samples[1].unit == .kW)
        #expect(samples[1].format == .raw)
        #expect(samples[2].phase == .l1)
        #expect(samples[3].phase == .l1N)
        #expect(samples[5].unit == .celcius)
        #expect(samples[7] == OCPP16.SampledValue(value: "1234"))
    }

    @Test func startTransaction() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.StartTransaction.Request.self, from: json(#"""
            {"connectorId":2,"idTag":"B4A63CDF","meterStart":1500230,"reservationId":7,"timestamp":"2024-05-01T09:58:01+02:00"}
            """#), mode: .strict)
        #expect(request == OCPP16.StartTransaction.Request(connectorId: 2, idTag: "B4A63CDF", meterStart: 1_500_230, reservationId: 7,
                                                            timestamp: date("2024-05-01T07:58:01Z")))
    }

    @Test func statusNotification() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.StatusNotification.Request.self, from: json(#"""
            {"connectorId":0,"errorCode":"NoError","status":"Available","timestamp":"2024-05-01T10:00:00Z","info":"ok",
             "vendorId":"com.evgo.mrec","vendorErrorCode":"A003"}
            """#), mode: .strict)
        #expect(request.connectorId == 0)
        #expect(request.errorCode == .noError)
        #expect(request.status == .available)
        #expect(request.info == "ok")
        #expect(request.vendorErrorCode == "A003")
        // "null" is a valid CiString50 in strict mode: kept as sent.
        let abb = try OCPPPayloadCoding.decode(OCPP16.StatusNotification.Request.self,
                                               from: json(#"{"connectorId":1,"errorCode":"NoError","status":"Charging","info":"null","vendorErrorCode":"0x00"}"#),
                                               mode: .strict)
        #expect(abb.info == "null")
        #expect(abb.timestamp == nil)
        for code in OCPP16.ChargePointErrorCode.allCases {
            let decoded = try OCPPPayloadCoding.decode(OCPP16.StatusNotification.Request.self,
                                                       from: json(#"{"connectorId":1,"errorCode":"\#(code.rawValue)","status":"Faulted"}"#),
                                                       mode: .strict)
            #expect(decoded.errorCode == code)
        }
        #expect(OCPP16.ChargePointErrorCode.allCases.count == 16)
        #expect(OCPP16.ChargePointStatus.allCases.map(\.rawValue) == ["Available", "Preparing", "Charging", "SuspendedEVSE",
                                                                      "SuspendedEV", "Finishing", "Reserved", "Unavailable", "Faulted"])
    }

    @Test func stopTransaction() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.StopTransaction.Request.self, from: json(#"""
            {"idTag":"B4A63CDF","meterStop":1510230,"timestamp":"2024-05-01T11:00:00Z","transactionId":170,"reason":"EVDisconnected",
             "transactionData":[{"timestamp":"2024-05-01T09:58:01Z","sampledValue":[{"value":"1500230","context":"Transaction.Begin"}]},
                                {"timestamp":"2024-05-01T11:00:00Z","sampledValue":[{"value":"1510.23","context":"Transaction.End","unit":"kWh"}]}]}
            """#), mode: .strict)
        #expect(request.meterStop == 1_510_230)
        #expect(request.transactionId == 170)
        #expect(request.reason == .evDisconnected)
        #expect(request.transactionData?.count == 2)
        #expect(request.transactionData?[1].sampledValue[0].context == .transactionEnd)
        let minimal = try OCPPPayloadCoding.decode(OCPP16.StopTransaction.Request.self,
                                                   from: json(#"{"meterStop":0,"timestamp":"2024-05-01T11:00:00Z","transactionId":1}"#),
                                                   mode: .strict)
        #expect(minimal.idTag == nil)
        #expect(minimal.reason == nil)
    }

    @Test func securityEventNotification() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.SecurityEventNotification.Request.self,
                                                   from: json(#"{"type":"FirmwareUpdated","timestamp":"2024-05-01T10:00:00Z","techInfo":"v2"}"#),
                                                   mode: .strict)
        #expect(request.type == "FirmwareUpdated")
        #expect(request.techInfo == "v2")
        _ = try OCPPPayloadCoding.decode(OCPP16.SecurityEventNotification.Response.self, from: json("{}"), mode: .strict)
    }

    // MARK: Responses the bridge sends, encoded

    @Test func encodesResponses() throws {
        let boot = OCPP16.BootNotification.Response(status: .accepted, currentTime: date("2024-05-01T10:00:00Z"), interval: 300)
        let encoded = OCPPPayloadCoding.encode(boot)
        #expect(encoded == .object(["status": .string("Accepted"), "currentTime": .string("2024-05-01T10:00:00.000Z"),
                                    "interval": .number(300)]))
        #expect(try OCPPPayloadCoding.decode(OCPP16.BootNotification.Response.self, from: encoded, mode: .strict) == boot)

        let start = OCPP16.StartTransaction.Response(idTagInfo: .init(status: .accepted, parentIdTag: "P"), transactionId: 12)
        #expect(OCPPFrame.callResult(messageID: "1", payload: OCPPPayloadCoding.encode(start)).serialized()
            == #"[3,"1",{"idTagInfo":{"parentIdTag":"P","status":"Accepted"},"transactionId":12}]"#)
        #expect(OCPPPayloadCoding.encode(OCPP16.MeterValues.Response()) == .object([:]))
        #expect(OCPPPayloadCoding.encode(OCPP16.StopTransaction.Response()) == .object([:]))
    }

    @Test func encodesAndDecodesRequestsRoundTrip() throws {
        let meter = OCPP16.MeterValues.Request(connectorId: 1, transactionId: 5, meterValue: [
            .init(timestamp: date("2024-05-01T10:00:00.250Z"), sampledValue: [
                .init(value: "12.5", context: .samplePeriodic, measurand: .powerActiveImport, phase: .l2, unit: .kW),
            ]),
        ])
        let encoded = OCPPPayloadCoding.encode(meter)
        #expect(encoded["meterValue"] == .array([.object([
            "timestamp": .string("2024-05-01T10:00:00.250Z"),
            "sampledValue": .array([.object(["value": .string("12.5"), "context": .string("Sample.Periodic"),
                                             "measurand": .string("Power.Active.Import"), "phase": .string("L2"), "unit": .string("kW")])]),
        ])]))
        #expect(try OCPPPayloadCoding.decode(OCPP16.MeterValues.Request.self, from: encoded, mode: .strict) == meter)

        let remote = OCPP16.RemoteStartTransaction.Request(connectorId: 1, idTag: "TAG", chargingProfile: .init(
            chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: .txProfile, chargingProfileKind: .relative,
            chargingSchedule: .init(chargingRateUnit: .amperes, chargingSchedulePeriod: [.init(startPeriod: 0, limit: 16.1, numberPhases: 3)])))
        let remoteJSON = OCPPPayloadCoding.encode(remote)
        #expect(try OCPPPayloadCoding.decode(OCPP16.RemoteStartTransaction.Request.self, from: remoteJSON, mode: .strict) == remote)
        try OCPP16.validateCSMSRequest(action: "RemoteStartTransaction", payload: remoteJSON)
    }

    @Test func worksWithFoundationCoders() throws {
        // The types stay plain Codable: enums as their raw strings, dates per the coder's strategy.
        let request = OCPP16.StatusNotification.Request(connectorId: 1, errorCode: .otherError, status: .faulted,
                                                        timestamp: date("2024-05-01T10:00:00Z"), vendorErrorCode: "E1")
        let bytes = try BusCoding.encode(request)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == #"{"connectorId":1,"errorCode":"OtherError","status":"Faulted","timestamp":"2024-05-01T10:00:00.000Z","vendorErrorCode":"E1"}"#)
        #expect(try BusCoding.decode(OCPP16.StatusNotification.Request.self, from: bytes) == request)
        let sample = OCPP16.SampledValue(value: "1", context: "Sample.Foo", measurand: .soc)
        let sampleBytes = try BusCoding.encode(sample)
        #expect(String(decoding: sampleBytes, as: UTF8.self) == #"{"context":"Sample.Foo","measurand":"SoC","value":"1"}"#)
        #expect(try BusCoding.decode(OCPP16.SampledValue.self, from: sampleBytes) == sample)
        #expect(throws: DecodingError.self) {
            try BusCoding.decode(OCPP16.Reset.Request.self, from: Array(#"{"type":"Medium"}"#.utf8))
        }
    }

    // MARK: Responses from the charger (decoded leniently by the bridge)

    @Test func chargerResponses() throws {
        let cases: [(String, String)] = [
            ("ChangeAvailability", #"{"status":"Scheduled"}"#),
            ("ChangeConfiguration", #"{"status":"RebootRequired"}"#),
            ("ClearCache", #"{"status":"Accepted"}"#),
            ("DataTransfer", #"{"status":"UnknownVendorId"}"#),
            ("GetConfiguration", #"{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}],"unknownKey":["Foo"]}"#),
            ("GetDiagnostics", #"{"fileName":"diag.tar.gz"}"#),
            ("RemoteStartTransaction", #"{"status":"Accepted"}"#),
            ("RemoteStopTransaction", #"{"status":"Rejected"}"#),
            ("Reset", #"{"status":"Accepted"}"#),
            ("TriggerMessage", #"{"status":"NotImplemented"}"#),
            ("UnlockConnector", #"{"status":"UnlockFailed"}"#),
            ("UpdateFirmware", "{}"),
            ("CancelReservation", #"{"status":"Accepted"}"#),
            ("ReserveNow", #"{"status":"Occupied"}"#),
            ("SetChargingProfile", #"{"status":"NotSupported"}"#),
            ("ClearChargingProfile", #"{"status":"Unknown"}"#),
            ("GetCompositeSchedule", #"{"status":"Accepted","connectorId":1,"scheduleStart":"2024-05-01T10:00:00Z","chargingSchedule":{"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000.0}]}}"#),
            ("GetLocalListVersion", #"{"listVersion":3}"#),
            ("SendLocalList", #"{"status":"VersionMismatch"}"#),
        ]
        #expect(Set(cases.map(\.0)) == OCPP16.csmsInitiatedActions)
        for (action, payload) in cases {
            for mode in [OCPPValidationMode.strict, .lenient] {
                _ = try OCPP16.decodeChargerResponse(action: action, payload: json(payload), mode: mode)
            }
        }
        let config = try #require(try OCPP16.decodeChargerResponse(action: "GetConfiguration", payload: json(cases[4].1), mode: .lenient)
            as? OCPP16.GetConfiguration.Response)
        #expect(config.configurationKey == [.init(key: "HeartbeatInterval", readonly: false, value: "300")])
        #expect(config.unknownKey == ["Foo"])
    }

    // MARK: Routing

    @Test func routing() throws {
        #expect(OCPP16.chargerInitiatedActions == ["Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
                                                   "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
                                                   "StatusNotification", "StopTransaction", "SecurityEventNotification"])
        #expect(OCPP16.csmsInitiatedActions.isSuperset(of: ["ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer",
                                                            "GetConfiguration", "GetDiagnostics", "RemoteStartTransaction",
                                                            "RemoteStopTransaction", "Reset", "TriggerMessage", "UnlockConnector",
                                                            "UpdateFirmware"]))
        let request = try OCPP16.decodeChargerRequest(action: "Heartbeat", payload: json("{}"), mode: .strict)
        #expect(request is OCPP16.Heartbeat.Request)
        let boot = try OCPP16.decodeChargerRequest(action: "BootNotification",
                                                   payload: json(#"{"chargePointVendor":"V","chargePointModel":"M"}"#), mode: .lenient)
        #expect((boot as? OCPP16.BootNotification.Request)?.chargePointVendor == "V")

        #expect(throws: OCPPValidationError(code: .notImplemented, description: "Unknown OCPP 1.6 action \"Bogus\"")) {
            try OCPP16.decodeChargerRequest(action: "Bogus", payload: json("{}"), mode: .lenient)
        }
        let wrongDirection = #expect(throws: OCPPValidationError.self) {
            try OCPP16.decodeChargerRequest(action: "Reset", payload: json(#"{"type":"Hard"}"#), mode: .lenient)
        }
        #expect(wrongDirection?.code == .notSupported)
    }

    @Test func validatesCSMSRequests() throws {
        try OCPP16.validateCSMSRequest(action: "Reset", payload: json(#"{"type":"Soft"}"#))
        try OCPP16.validateCSMSRequest(action: "ChangeConfiguration", payload: json(#"{"key":"MeterValueSampleInterval","value":"60"}"#))
        try OCPP16.validateCSMSRequest(action: "GetConfiguration", payload: json("{}"))
        try OCPP16.validateCSMSRequest(action: "TriggerMessage", payload: json(#"{"requestedMessage":"StatusNotification","connectorId":1}"#))
        try OCPP16.validateCSMSRequest(action: "GetDiagnostics", payload: json(#"{"location":"ftp://user:pw@example.com/diag/","retries":3,"startTime":"2024-05-01T00:00:00Z"}"#))
        try OCPP16.validateCSMSRequest(action: "UpdateFirmware", payload: json(#"{"location":"https://fw.example.com/v2.bin","retrieveDate":"2024-05-01T00:00:00Z"}"#))
        try OCPP16.validateCSMSRequest(action: "DataTransfer", payload: json(#"{"vendorId":"v","data":"x"}"#))

        let badType = #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "Reset", payload: json(#"{"type":"Medium"}"#))
        }
        #expect(badType?.code == .propertyConstraintViolation)
        #expect(badType?.description == #"type: "Medium" is not a valid value"#)

        let stringConnector = #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "UnlockConnector", payload: json(#"{"connectorId":"1"}"#))
        }
        #expect(stringConnector?.code == .typeConstraintViolation)

        let zeroConnector = #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "UnlockConnector", payload: json(#"{"connectorId":0}"#))
        }
        #expect(zeroConnector?.code == .propertyConstraintViolation)

        #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "GetDiagnostics", payload: json(#"{"location":"not a uri"}"#))
        }
        let unknown = #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "SetDisplayMessage", payload: json("{}"))
        }
        #expect(unknown?.code == .notImplemented)
        let chargerAction = #expect(throws: OCPPValidationError.self) {
            try OCPP16.validateCSMSRequest(action: "BootNotification", payload: json(#"{"chargePointVendor":"V","chargePointModel":"M"}"#))
        }
        #expect(chargerAction?.code == .notSupported)
    }
}
