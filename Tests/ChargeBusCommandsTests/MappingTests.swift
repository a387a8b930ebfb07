import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusCommands

@Suite struct MappingTests {
    func call(_ name: CommandName, _ params: String, connectors: Int? = 2) throws -> OCPPCall? {
        let json = try BusCoding.decode(JSONValue.self, from: Array(params.utf8))
        let command = try CommandValidator.validate(name, params: json, connectors: connectors, tariff: nil, now: t0)
        return OCPP16Mapping.call(for: command)
    }

    func payload(_ text: String) throws -> JSONValue { try BusCoding.decode(JSONValue.self, from: Array(text.utf8)) }

    @Test func everyOneCallCommand() throws {
        let cases: [(CommandName, String, String, String)] = [
            (.reset, #"{"type":"soft"}"#, "Reset", #"{"type":"Soft"}"#),
            (.reset, #"{}"#, "Reset", #"{"type":"Soft"}"#),
            (.reset, #"{"type":"HARD"}"#, "Reset", #"{"type":"Hard"}"#),
            (.reboot, #"{}"#, "Reset", #"{"type":"Hard"}"#),
            (.remoteStart, #"{"connector":1,"idTag":"TAG1"}"#, "RemoteStartTransaction", #"{"connectorId":1,"idTag":"TAG1"}"#),
            (.remoteStart, #"{"connector":2,"idTag":"T","minutes":30}"#, "RemoteStartTransaction", #"{"connectorId":2,"idTag":"T"}"#),
            (.remoteStop, #"{"transactionId":42}"#, "RemoteStopTransaction", #"{"transactionId":42}"#),
            (.unlock, #"{"connector":1}"#, "UnlockConnector", #"{"connectorId":1}"#),
            (.getConfiguration, #"{}"#, "GetConfiguration", #"{}"#),
            (.getConfiguration, #"{"keys":["HeartbeatInterval","MeterValueSampleInterval"]}"#, "GetConfiguration",
             #"{"key":["HeartbeatInterval","MeterValueSampleInterval"]}"#),
            (.changeConfiguration, #"{"key":"HeartbeatInterval","value":60}"#, "ChangeConfiguration", #"{"key":"HeartbeatInterval","value":"60"}"#),
            (.clearCache, #"{}"#, "ClearCache", #"{}"#),
            (.triggerMessage, #"{"message":"statusnotification","connector":1}"#, "TriggerMessage",
             #"{"connectorId":1,"requestedMessage":"StatusNotification"}"#),
            (.triggerMessage, #"{"message":"Heartbeat"}"#, "TriggerMessage", #"{"requestedMessage":"Heartbeat"}"#),
            (.changeAvailability, #"{"connector":0,"type":"inoperative"}"#, "ChangeAvailability", #"{"connectorId":0,"type":"Inoperative"}"#),
            (.changeAvailability, #"{"connector":2,"type":"Operative"}"#, "ChangeAvailability", #"{"connectorId":2,"type":"Operative"}"#),
            (.updateFirmware, #"{"location":"https://fw.example.com/v2.bin","retrieveDate":"2026-11-22T02:00:00Z"}"#, "UpdateFirmware",
             #"{"location":"https://fw.example.com/v2.bin","retrieveDate":"2026-11-22T02:00:00.000Z"}"#),
            (.updateFirmware, #"{"location":"ftp://fw/x.bin"}"#, "UpdateFirmware", #"{"location":"ftp://fw/x.bin","retrieveDate":"2027-01-15T08:00:00.000Z"}"#),
            (.getDiagnostics, #"{"location":"ftp://logs.example.com/up","retries":2}"#, "GetDiagnostics", #"{"location":"ftp://logs.example.com/up","retries":2}"#),
            (.dataTransfer, #"{"vendorId":"com.acme","messageId":"Ping","data":"x"}"#, "DataTransfer", #"{"data":"x","messageId":"Ping","vendorId":"com.acme"}"#),
            (.dataTransfer, #"{"vendorId":"com.acme","data":{"a":1}}"#, "DataTransfer", #"{"data":"{\"a\":1}","vendorId":"com.acme"}"#),
        ]
        for (name, params, action, expected) in cases {
            let call = try #require(try call(name, params), "\(name)")
            #expect(call.action == action, "\(name) \(params)")
            #expect(call.payload == (try payload(expected)), "\(name) \(params)")
        }
    }

    @Test func clearFaultAndStopByConnectorNeedState() throws {
        #expect(try call(.clearFault, "{}") == nil)
        #expect(try call(.remoteStop, #"{"connector":1}"#) == nil)
        #expect(OCPP16Mapping.call(for: .remoteStop(transactionId: nil, connector: 1), transactionId: .int(7))?.payload == (try payload(#"{"transactionId":7}"#)))
    }

    @Test func remoteStopCarriesA201StringTransactionIDAsIs() throws {
        // The call stays in the 1.6 vocabulary; the bridge translates it for a 2.0.1 charger.
        #expect(try call(.remoteStop, #"{"transactionId":"7f3a-tx"}"#)?.payload == (try payload(#"{"transactionId":"7f3a-tx"}"#)))
        #expect(OCPP16Mapping.call(for: .remoteStop(transactionId: nil, connector: 1), transactionId: .string("abc"))?.payload
            == (try payload(#"{"transactionId":"abc"}"#)))
    }

    @Test func invalidParams() {
        let bad: [(CommandName, String)] = [
            (.remoteStart, #"{"connector":1}"#), (.remoteStart, #"{"connector":0,"idTag":"T"}"#),
            (.remoteStart, #"{"connector":1,"idTag":"T","minutes":5,"amount":3}"#),
            (.remoteStart, #"{"connector":1,"idTag":"T","amount":3}"#),  // no tariff given here
            (.remoteStart, #"{"connector":1,"idTag":"T","minutes":-1}"#),
            (.remoteStart, #"{"connector":1,"idTag":"012345678901234567890"}"#),
            (.remoteStop, #"{}"#), (.changeConfiguration, #"{"key":"K"}"#), (.triggerMessage, #"{"message":"Reboot"}"#),
            (.changeAvailability, #"{"connector":1}"#), (.updateFirmware, #"{"location":"not a uri"}"#),
            (.updateFirmware, #"{"location":"ftp://x","retrieveDate":"tomorrow"}"#), (.getDiagnostics, #"{}"#),
            (.dataTransfer, #"{"messageId":"x"}"#), (.getConfiguration, #"{"keys":[1]}"#),
        ]
        for (name, params) in bad {
            #expect(throws: InvalidParams.self, "\(name) \(params)") { _ = try call(name, params) }
        }
    }

    @Test func amountNeedsATariff() throws {
        let json = try payload(#"{"connector":1,"idTag":"T","amount":5}"#)
        let tariff = Tariff(perKWh: 0.4)
        let command = try CommandValidator.validate(.remoteStart, params: json, connectors: 2, tariff: tariff, now: t0)
        #expect(command == .remoteStart(connector: 1, idTag: "T", limit: .amount(5, tariff)))
    }

    @Test func outcomes() {
        func r(_ status: CallResponse.Status, _ answer: String? = nil, code: String? = nil) -> CommandStatus {
            let response = CallResponse(id: "c", at: t0, action: "X", status: status,
                                        response: answer.map { .object(["status": .string($0)]) },
                                        error: code.map { .init(code: $0, description: "d") }, message: "m")
            return OCPP16Mapping.outcome(of: response, action: "X").0
        }
        #expect(r(.ok, "Accepted") == .accepted)
        #expect(r(.ok, "Unlocked") == .accepted)
        #expect(r(.ok, "Scheduled") == .accepted)
        #expect(r(.ok, "RebootRequired") == .accepted)
        #expect(r(.ok) == .accepted)  // UpdateFirmware answers {}
        #expect(r(.ok, "Rejected") == .rejected)
        #expect(r(.ok, "UnlockFailed") == .rejected)
        #expect(r(.ok, "NotSupported") == .notSupported)
        #expect(r(.ok, "UnknownVendorId") == .notSupported)
        #expect(r(.error, code: "NotImplemented") == .notSupported)
        #expect(r(.error, code: "InternalError") == .error)
        #expect(r(.timeout) == .timeout)
        #expect(r(.offline) == .offline)
        #expect(r(.busy) == .busy)
        #expect(r(.invalid) == .invalid)
        let (_, message) = OCPP16Mapping.outcome(of: CallResponse(id: "c", at: t0, action: "Reset", status: .ok, response: .object(["status": .string("Rejected")])), action: "Reset")
        #expect(message == "the charger answered Reset with Rejected")
    }
}
