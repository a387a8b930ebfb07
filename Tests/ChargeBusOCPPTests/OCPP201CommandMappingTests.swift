import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

/// The commands daemon's 1.6-style intents as OCPP 2.0.1 calls, and the answers back.
@Suite struct OCPP201CommandMappingTests {
    typealias Mapping = OCPP201.CommandMapping

    private func validated(_ call: Mapping.Call?) throws -> Mapping.Call {
        let call = try #require(call)
        try OCPP201.validateCSMSRequest(action: call.action, payload: call.payload)
        return call
    }

    @Test func everyIntentValidates() throws {
        let retrieve = date("2024-05-01T02:00:00Z")
        let calls: [(Mapping.Call, String, String)] = [
            (Mapping.reset(hard: false), "Reset", #"{"type":"OnIdle"}"#),
            (Mapping.reset(hard: true), "Reset", #"{"type":"Immediate"}"#),
            (Mapping.reset(hard: true, evseId: 2), "Reset", #"{"evseId":2,"type":"Immediate"}"#),
            (Mapping.reboot(), "Reset", #"{"type":"Immediate"}"#),
            (Mapping.remoteStart(idTag: "04E3C2A1", connector: 1, remoteStartId: 17), "RequestStartTransaction",
             #"{"evseId":1,"idToken":{"idToken":"04E3C2A1","type":"Central"},"remoteStartId":17}"#),
            (Mapping.remoteStart(idTag: "04E3C2A1", connector: 0, remoteStartId: 18), "RequestStartTransaction",
             #"{"idToken":{"idToken":"04E3C2A1","type":"Central"},"remoteStartId":18}"#),
            (Mapping.remoteStop(transactionId: "f3b2c1a0-1d2e"), "RequestStopTransaction", #"{"transactionId":"f3b2c1a0-1d2e"}"#),
            (Mapping.unlock(connector: 2), "UnlockConnector", #"{"connectorId":1,"evseId":2}"#),
            (Mapping.clearCache(), "ClearCache", "{}"),
            (try Mapping.triggerMessage("StatusNotification", connector: 1), "TriggerMessage",
             #"{"evse":{"connectorId":1,"id":1},"requestedMessage":"StatusNotification"}"#),
            (try Mapping.triggerMessage("MeterValues", connector: 2), "TriggerMessage", #"{"evse":{"id":2},"requestedMessage":"MeterValues"}"#),
            (try Mapping.triggerMessage("DiagnosticsStatusNotification"), "TriggerMessage", #"{"requestedMessage":"LogStatusNotification"}"#),
            (try Mapping.triggerMessage("TransactionEvent", connector: 1), "TriggerMessage", #"{"evse":{"id":1},"requestedMessage":"TransactionEvent"}"#),
            (Mapping.changeAvailability(operative: false, connector: 0), "ChangeAvailability", #"{"operationalStatus":"Inoperative"}"#),
            (Mapping.changeAvailability(operative: true, connector: 3), "ChangeAvailability", #"{"evse":{"id":3},"operationalStatus":"Operative"}"#),
            (Mapping.updateFirmware(location: "https://fw.example.com/v2.bin", retrieveDate: retrieve, retries: 3, requestId: 5), "UpdateFirmware",
             #"{"firmware":{"location":"https://fw.example.com/v2.bin","retrieveDateTime":"2024-05-01T02:00:00.000Z"},"requestId":5,"retries":3}"#),
            (Mapping.getDiagnostics(location: "ftp://user:pw@example.com/diag/", startTime: retrieve, requestId: 6), "GetLog",
             #"{"log":{"oldestTimestamp":"2024-05-01T02:00:00.000Z","remoteLocation":"ftp://user:pw@example.com/diag/"},"logType":"DiagnosticsLog","requestId":6}"#),
            (Mapping.dataTransfer(vendorId: "com.example", messageId: "Hello", data: .object(["a": .number(1)])), "DataTransfer",
             #"{"data":{"a":1},"messageId":"Hello","vendorId":"com.example"}"#),
        ]
        for (call, action, payload) in calls {
            _ = try validated(call)
            #expect(call.action == action)
            #expect(call.payload.ocppJSONString() == payload)
        }
        for trigger in OCPP16.MessageTrigger.allCases {
            _ = try validated(try Mapping.triggerMessage(trigger.rawValue, connector: 1))
        }
        #expect(throws: Mapping.MappingError.self) { try Mapping.triggerMessage("Nonsense") }
        // Every 1.6 command action has a 2.0.1 action this module can send.
        for (from, to) in Mapping.actions {
            #expect(OCPP16.csmsInitiatedActions.contains(from))
            #expect(OCPP201.csmsInitiatedActions.contains(to))
        }
    }

    @Test func configurationCommands() throws {
        let get = Mapping.getConfiguration(keys: ["HeartbeatInterval", "MeterValueSampleInterval", "LightIntensity", "TxCtrlr.TxStartPoint"])
        let call = try validated(get.call)
        #expect(call.action == "GetVariables")
        #expect(call.payload.ocppJSONString() == #"""
            {"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},{"component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedInterval"}},{"component":{"name":"TxCtrlr"},"variable":{"name":"TxStartPoint"}}]}
            """#)
        #expect(get.unknownKeys == ["LightIntensity"])
        // All keys: every key of the map.
        let all = Mapping.getConfiguration(keys: nil)
        let allCall = try validated(all.call)
        guard case .array(let items)? = allCall.payload["getVariableData"] else { Issue.record("no getVariableData"); return }
        #expect(items.count == OCPP201.configurationKeyMap.count)
        #expect(Mapping.getConfiguration(keys: []).call == all.call)
        // Only unknown keys: answered locally.
        let none = Mapping.getConfiguration(keys: ["LightIntensity"])
        #expect(none.call == nil)
        #expect(none.localResponse == json(#"{"unknownKey":["LightIntensity"]}"#))
        _ = try OCPPPayloadCoding.decode(OCPP16.GetConfiguration.Response.self, from: none.localResponse!, mode: .strict)

        let change = Mapping.changeConfiguration(key: "MeterValueSampleInterval", value: "60")
        #expect(try validated(change.call).payload.ocppJSONString() == #"""
            {"setVariableData":[{"attributeValue":"60","component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedInterval"}}]}
            """#)
        let instance = Mapping.changeConfiguration(key: "TransactionMessageAttempts", value: "5")
        #expect(try validated(instance.call).payload["setVariableData"]
            == json(#"[{"attributeValue":"5","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"MessageAttempts","instance":"TransactionEvent"}}]"#))
        let unsupported = Mapping.changeConfiguration(key: "LightIntensity", value: "50")
        #expect(unsupported.call == nil)
        #expect(unsupported.localResponse == json(#"{"status":"NotSupported"}"#))
    }

    @Test func translatesEvery16Call() throws {
        let cases: [(String, String, String)] = [
            ("Reset", #"{"type":"Soft"}"#, #"{"type":"OnIdle"}"#),
            ("Reset", #"{"type":"Hard"}"#, #"{"type":"Immediate"}"#),
            ("RemoteStartTransaction", #"{"connectorId":1,"idTag":"TAG"}"#, #"{"evseId":1,"idToken":{"idToken":"TAG","type":"Central"},"remoteStartId":42}"#),
            ("RemoteStopTransaction", #"{"transactionId":1042}"#, #"{"transactionId":"1042"}"#),
            ("RemoteStopTransaction", #"{"transactionId":"f3b2-c1a0"}"#, #"{"transactionId":"f3b2-c1a0"}"#),
            ("UnlockConnector", #"{"connectorId":2}"#, #"{"connectorId":1,"evseId":2}"#),
            ("GetConfiguration", #"{"key":["HeartbeatInterval"]}"#,
             #"{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}"#),
            ("ChangeConfiguration", #"{"key":"HeartbeatInterval","value":"300"}"#,
             #"{"setVariableData":[{"attributeValue":"300","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}"#),
            ("ClearCache", "{}", "{}"),
            ("TriggerMessage", #"{"requestedMessage":"Heartbeat"}"#, #"{"requestedMessage":"Heartbeat"}"#),
            ("ChangeAvailability", #"{"connectorId":0,"type":"Inoperative"}"#, #"{"operationalStatus":"Inoperative"}"#),
            ("UpdateFirmware", #"{"location":"https://fw.example.com/v2.bin","retrieveDate":"2024-05-01T02:00:00Z","retryInterval":60}"#,
             #"{"firmware":{"location":"https://fw.example.com/v2.bin","retrieveDateTime":"2024-05-01T02:00:00.000Z"},"requestId":42,"retryInterval":60}"#),
            ("GetDiagnostics", #"{"location":"ftp://example.com/diag/","stopTime":"2024-05-01T02:00:00Z"}"#,
             #"{"log":{"latestTimestamp":"2024-05-01T02:00:00.000Z","remoteLocation":"ftp://example.com/diag/"},"logType":"DiagnosticsLog","requestId":42}"#),
            ("DataTransfer", #"{"vendorId":"v","messageId":"m","data":"x"}"#, #"{"data":"x","messageId":"m","vendorId":"v"}"#),
        ]
        for (action, payload, expected) in cases {
            if !payload.contains("f3b2") { // the string transaction id is the one non-1.6 payload
                try OCPP16.validateCSMSRequest(action: action, payload: json(payload))
            }
            let translation = try Mapping.translate(action: action, payload: json(payload), requestId: 42)
            let call = try validated(translation.call)
            #expect(call.action == Mapping.actions[action])
            #expect(call.payload.ocppJSONString() == expected, "\(action)")
        }
        #expect(Set(cases.map(\.0)) == Set(Mapping.actions.keys))
    }

    @Test func translationErrors() throws {
        let profile = #"""
            {"idTag":"T","chargingProfile":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
             "chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}}
            """#
        #expect(throws: Mapping.MappingError.self) { try Mapping.translate(action: "RemoteStartTransaction", payload: json(profile), requestId: 1) }
        let invalid = #expect(throws: Mapping.MappingError.self) { try Mapping.translate(action: "Reset", payload: json(#"{"type":"Medium"}"#), requestId: 1) }
        #expect(invalid?.description == #"Reset: type: "Medium" is not a valid value"#)
        #expect(throws: Mapping.MappingError.self) { try Mapping.translate(action: "ReserveNow", payload: json("{}"), requestId: 1) }
        #expect(throws: Mapping.MappingError.self) { try Mapping.translate(action: "RemoteStopTransaction", payload: json(#"{"transactionId":1.5}"#), requestId: 1) }
        #expect(throws: Mapping.MappingError.self) { try Mapping.translate(action: "RemoteStopTransaction", payload: json(#"{"transactionId":"","x":1}"#), requestId: 1) }
    }

    @Test func translatesResponsesBack() throws {
        let cases: [(String, String, String)] = [
            ("Reset", #"{"status":"Scheduled"}"#, #"{"status":"Accepted"}"#),
            ("Reset", #"{"status":"Rejected","statusInfo":{"reasonCode":"FwUpdateInProgress"}}"#,
             #"{"status":"Rejected","statusInfo":{"reasonCode":"FwUpdateInProgress"}}"#),
            ("RemoteStartTransaction", #"{"status":"Accepted","transactionId":"T-5"}"#, #"{"status":"Accepted","transactionId":"T-5"}"#),
            ("RemoteStopTransaction", #"{"status":"Rejected"}"#, #"{"status":"Rejected"}"#),
            ("UnlockConnector", #"{"status":"OngoingAuthorizedTransaction"}"#, #"{"status":"UnlockFailed"}"#),
            ("UnlockConnector", #"{"status":"UnknownConnector"}"#, #"{"status":"NotSupported"}"#),
            ("UnlockConnector", #"{"status":"Unlocked"}"#, #"{"status":"Unlocked"}"#),
            ("ChangeConfiguration", #"{"setVariableResult":[{"attributeStatus":"RebootRequired","component":{"name":"C"},"variable":{"name":"V"}}]}"#,
             #"{"status":"RebootRequired"}"#),
            ("ChangeConfiguration", #"{"setVariableResult":[{"attributeStatus":"UnknownVariable","component":{"name":"C"},"variable":{"name":"V"}}]}"#,
             #"{"status":"NotSupported"}"#),
            ("ClearCache", #"{"status":"Accepted"}"#, #"{"status":"Accepted"}"#),
            ("TriggerMessage", #"{"status":"NotImplemented"}"#, #"{"status":"NotImplemented"}"#),
            ("ChangeAvailability", #"{"status":"Scheduled"}"#, #"{"status":"Scheduled"}"#),
            ("UpdateFirmware", #"{"status":"InvalidCertificate"}"#, #"{"status":"InvalidCertificate"}"#),
            ("GetDiagnostics", #"{"status":"Accepted","filename":"diag.zip"}"#, #"{"fileName":"diag.zip","status":"Accepted"}"#),
            ("DataTransfer", #"{"status":"Accepted","data":{"k":1}}"#, #"{"data":{"k":1},"status":"Accepted"}"#),
        ]
        for (action, payload, expected) in cases {
            #expect(Mapping.translateResponse(action: action, payload: json(payload)).ocppJSONString() == expected, "\(action)")
        }
        // The 1.6 statuses are valid 1.6 responses (fields 1.6 lacks aside).
        let reset = Mapping.translateResponse(action: "Reset", payload: json(#"{"status":"Scheduled"}"#))
        _ = try OCPPPayloadCoding.decode(OCPP16.Reset.Response.self, from: reset, mode: .strict)
        let unlock = Mapping.translateResponse(action: "UnlockConnector", payload: json(#"{"status":"UnknownConnector"}"#))
        _ = try OCPPPayloadCoding.decode(OCPP16.UnlockConnector.Response.self, from: unlock, mode: .strict)
    }

    @Test func getConfigurationResponse() throws {
        let translation = Mapping.getConfiguration(keys: ["HeartbeatInterval", "TransactionMessageAttempts", "LightIntensity", "TxCtrlr.TxStartPoint",
                                                          "ConnectionTimeOut"])
        let answer = json(#"""
            {"getVariableResult":[
              {"attributeStatus":"Accepted","attributeValue":"300","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},
              {"attributeStatus":"Accepted","attributeValue":"3","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"MessageAttempts","instance":"TransactionEvent"}},
              {"attributeStatus":"Accepted","attributeValue":"PowerPathClosed","component":{"name":"TxCtrlr"},"variable":{"name":"TxStartPoint"}},
              {"attributeStatus":"UnknownVariable","component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut"}}]}
            """#)
        let response = Mapping.translateResponse(action: "GetConfiguration", payload: answer, unknownKeys: translation.unknownKeys)
        let decoded = try OCPPPayloadCoding.decode(OCPP16.GetConfiguration.Response.self, from: response, mode: .strict)
        #expect(decoded.configurationKey == [.init(key: "HeartbeatInterval", readonly: false, value: "300"),
                                             .init(key: "TransactionMessageAttempts", readonly: false, value: "3"),
                                             .init(key: "TxCtrlr.TxStartPoint", readonly: false, value: "PowerPathClosed")])
        #expect(decoded.unknownKey == ["LightIntensity", "ConnectionTimeOut"])
    }
}
