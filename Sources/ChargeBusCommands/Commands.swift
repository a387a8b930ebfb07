import ChargeBusContract
import Foundation

/// How a remote start ends by itself: after a duration, or when the session has cost `amount`.
public enum SessionLimit: Sendable, Hashable, Codable {
    case minutes(Double)
    case amount(Double, Tariff)
}

/// A command whose parameters have been checked: every case can be sent as is.
public enum ValidatedCommand: Sendable, Hashable {
    public enum ResetType: String, Sendable, Hashable { case soft = "Soft", hard = "Hard" }
    public enum Availability: String, Sendable, Hashable { case operative = "Operative", inoperative = "Inoperative" }

    case reset(ResetType)
    case reboot
    /// nil: the daemon picks the faulted connector (0, the whole charger, when none or connector 0 is).
    case clearFault(connector: Int?)
    case remoteStart(connector: Int, idTag: String, limit: SessionLimit?)
    /// OCPP 1.6 transaction ids are integers, 2.0.1 ones the charger's strings; the bridge sends each as is.
    case remoteStop(transactionId: TransactionID?, connector: Int?)
    case unlock(connector: Int)
    case getConfiguration(keys: [String]?)
    case changeConfiguration(key: String, value: String)
    case clearCache
    case triggerMessage(message: String, connector: Int?)
    case changeAvailability(connector: Int, availability: Availability)
    case updateFirmware(location: String, retrieveDate: Date, retries: Int?, retryInterval: Int?)
    case getDiagnostics(location: String, startTime: Date?, stopTime: Date?, retries: Int?, retryInterval: Int?)
    case dataTransfer(vendorId: String, messageId: String?, data: String?)

    public var name: CommandName {
        switch self {
        case .reset: .reset
        case .reboot: .reboot
        case .clearFault: .clearFault
        case .remoteStart: .remoteStart
        case .remoteStop: .remoteStop
        case .unlock: .unlock
        case .getConfiguration: .getConfiguration
        case .changeConfiguration: .changeConfiguration
        case .clearCache: .clearCache
        case .triggerMessage: .triggerMessage
        case .changeAvailability: .changeAvailability
        case .updateFirmware: .updateFirmware
        case .getDiagnostics: .getDiagnostics
        case .dataTransfer: .dataTransfer
        }
    }
}

public struct InvalidParams: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks a request's `params` (issue 6, item 3) and produces a `ValidatedCommand`.
public enum CommandValidator {
    public static let triggerMessages: [String] = [
        "BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues",
        "StatusNotification",
    ]

    /// - Parameters:
    ///   - connectors: the charger's connector count when known, to refuse connector 3 on a two-connector charger.
    ///   - tariff: the tariff of the charger's site, for `amount`.
    public static func validate(_ name: CommandName, params: JSONValue?, connectors: Int?, tariff: Tariff?,
                                now: Date) throws(InvalidParams) -> ValidatedCommand {
        let p: [String: JSONValue]
        switch params {
        case nil, .null?: p = [:]
        case .object(let object)?: p = object
        default: throw InvalidParams("params must be a JSON object")
        }
        let known = knownParams[name]!.union(["force"])
        if let unknown = p.keys.sorted().first(where: { !known.contains($0) }) {
            let list = knownParams[name]!.sorted().joined(separator: ", ")
            throw InvalidParams("\(name.rawValue) does not take '\(unknown)' (its params: \(list.isEmpty ? "none" : list))")
        }
        func connector(_ key: String = "connector", required: Bool, minimum: Int) throws(InvalidParams) -> Int? {
            guard let value = p[key], value != .null else {
                if required { throw InvalidParams("\(name.rawValue) needs '\(key)', a connector number") }
                return nil
            }
            guard let n = value.numberValue, n.rounded() == n, n >= Double(minimum), n <= 1000 else {
                throw InvalidParams("'\(key)' must be an integer ≥ \(minimum), got \(render(value))")
            }
            let c = Int(n)
            if let connectors, c > connectors {
                throw InvalidParams("'\(key)' \(c) does not exist: the charger has \(connectors) connector\(connectors == 1 ? "" : "s")")
            }
            return c
        }
        func string(_ key: String, required: Bool, maxLength: Int) throws(InvalidParams) -> String? {
            guard let value = p[key], value != .null else {
                if required { throw InvalidParams("\(name.rawValue) needs '\(key)'") }
                return nil
            }
            let text: String
            switch value {
            case .string(let s): text = s
            // Configuration values are strings in OCPP; a technician typing `value: 60` means "60".
            case .number, .bool: text = render(value)
            default: throw InvalidParams("'\(key)' must be a string, got \(render(value))")
            }
            if text.isEmpty && required { throw InvalidParams("'\(key)' must not be empty") }
            guard text.count <= maxLength else { throw InvalidParams("'\(key)' is longer than \(maxLength) characters") }
            return text
        }
        func int(_ key: String, range: ClosedRange<Int>) throws(InvalidParams) -> Int? {
            guard let value = p[key], value != .null else { return nil }
            guard let n = value.numberValue, n.rounded() == n, range.contains(Int(n)) else {
                throw InvalidParams("'\(key)' must be an integer between \(range.lowerBound) and \(range.upperBound), got \(render(value))")
            }
            return Int(n)
        }
        func positive(_ key: String, max: Double) throws(InvalidParams) -> Double? {
            guard let value = p[key], value != .null else { return nil }
            guard let n = value.numberValue, n > 0, n <= max else {
                throw InvalidParams("'\(key)' must be a number > 0 and ≤ \(Int(max)), got \(render(value))")
            }
            return n
        }
        func date(_ key: String) throws(InvalidParams) -> Date? {
            guard let text = try string(key, required: false, maxLength: 64) else { return nil }
            guard let date = Timestamp.parse(text) else { throw InvalidParams("'\(key)' must be an RFC 3339 date-time, got \"\(text)\"") }
            return date
        }
        func location() throws(InvalidParams) -> String {
            let text = try string("location", required: true, maxLength: 512)!
            guard let scheme = text.split(separator: ":", maxSplits: 1).first, text.contains("://") || text.hasPrefix("mailto:"),
                  scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
                throw InvalidParams("'location' must be a URI such as ftp://host/path or https://host/path, got \"\(text)\"")
            }
            return text
        }

        switch name {
        case .reset:
            switch (try string("type", required: false, maxLength: 10))?.lowercased() {
            case nil, "soft": return .reset(.soft)
            case "hard": return .reset(.hard)
            case let other?: throw InvalidParams("'type' must be soft or hard, got \"\(other)\"")
            }
        case .reboot:
            return .reboot
        case .clearFault:
            return .clearFault(connector: try connector(required: false, minimum: 0))
        case .remoteStart:
            let c = try connector(required: true, minimum: 1)!
            let tag = try string("idTag", required: true, maxLength: 20)!
            let minutes = try positive("minutes", max: 24 * 60)
            let amount = try positive("amount", max: 100_000)
            switch (minutes, amount) {
            case (nil, nil): return .remoteStart(connector: c, idTag: tag, limit: nil)
            case (let m?, nil): return .remoteStart(connector: c, idTag: tag, limit: .minutes(m))
            case (nil, let a?):
                guard let tariff else {
                    throw InvalidParams("'amount' needs a tariff for the charger's site, and none is configured (commands.tariffs)")
                }
                return .remoteStart(connector: c, idTag: tag, limit: .amount(a, tariff))
            default:
                throw InvalidParams("give either 'minutes' or 'amount', not both")
            }
        case .remoteStop:
            let tx: TransactionID?
            switch p["transactionId"] {
            case nil, .null?:
                tx = nil
            case .string(let text)?:
                // OCPP 2.0.1 transaction ids are strings of at most 36 characters.
                guard !text.isEmpty, text.count <= 36 else { throw InvalidParams("'transactionId' must be 1 to 36 characters, got \"\(text)\"") }
                tx = .string(text)
            default:
                tx = try int("transactionId", range: Int(Int32.min)...Int(Int32.max)).map { .int($0) }
            }
            let c = try connector(required: false, minimum: 1)
            if tx == nil && c == nil { throw InvalidParams("remote-stop needs 'transactionId' or 'connector'") }
            return .remoteStop(transactionId: tx, connector: c)
        case .unlock:
            return .unlock(connector: try connector(required: true, minimum: 1)!)
        case .getConfiguration:
            guard let value = p["keys"], value != .null else { return .getConfiguration(keys: nil) }
            let keys: [String]
            switch value {
            case .string(let key): keys = [key]
            case .array(let items):
                var out: [String] = []
                for item in items {
                    guard let key = item.stringValue, !key.isEmpty, key.count <= 50 else {
                        throw InvalidParams("'keys' must be a list of configuration key names (≤ 50 characters), got \(render(item))")
                    }
                    out.append(key)
                }
                keys = out
            default: throw InvalidParams("'keys' must be a list of configuration key names")
            }
            return .getConfiguration(keys: keys.isEmpty ? nil : keys)
        case .changeConfiguration:
            let key = try string("key", required: true, maxLength: 50)!
            guard let value = try string("value", required: false, maxLength: 500) else {
                throw InvalidParams("change-configuration needs 'value'")
            }
            return .changeConfiguration(key: key, value: value)
        case .clearCache:
            return .clearCache
        case .triggerMessage:
            let message = try string("message", required: true, maxLength: 40)!
            guard let canonical = triggerMessages.first(where: { $0.lowercased() == message.lowercased() }) else {
                throw InvalidParams("'message' must be one of \(triggerMessages.joined(separator: ", ")), got \"\(message)\"")
            }
            return .triggerMessage(message: canonical, connector: try connector(required: false, minimum: 1))
        case .changeAvailability:
            let c = try connector(required: true, minimum: 0)!
            var text = try string("type", required: false, maxLength: 20)
            if text == nil { text = try string("availability", required: false, maxLength: 20) }
            switch text?.lowercased() {
            case "operative": return .changeAvailability(connector: c, availability: .operative)
            case "inoperative": return .changeAvailability(connector: c, availability: .inoperative)
            case nil: throw InvalidParams("change-availability needs 'type': operative or inoperative")
            case let other?: throw InvalidParams("'type' must be operative or inoperative, got \"\(other)\"")
            }
        case .updateFirmware:
            let loc = try location()
            return .updateFirmware(location: loc, retrieveDate: try date("retrieveDate") ?? now,
                                   retries: try int("retries", range: 0...100), retryInterval: try int("retryInterval", range: 0...86_400))
        case .getDiagnostics:
            let loc = try location()
            let start = try date("startTime"), stop = try date("stopTime")
            if let start, let stop, stop < start { throw InvalidParams("'stopTime' is before 'startTime'") }
            return .getDiagnostics(location: loc, startTime: start, stopTime: stop,
                                   retries: try int("retries", range: 0...100), retryInterval: try int("retryInterval", range: 0...86_400))
        case .dataTransfer:
            let vendor = try string("vendorId", required: true, maxLength: 255)!
            let messageId = try string("messageId", required: false, maxLength: 50)
            var data: String?
            switch p["data"] {
            case nil, .null?: data = nil
            case .string(let s)?: data = s
            // OCPP 1.6 data is a string; structured data is sent as its JSON text.
            case let other?: data = String(decoding: (try? BusCoding.encode(other)) ?? [], as: UTF8.self)
            }
            return .dataTransfer(vendorId: vendor, messageId: messageId, data: data)
        }
    }

    static let knownParams: [CommandName: Set<String>] = [
        .reset: ["type"], .reboot: [], .clearFault: ["connector"],
        .remoteStart: ["connector", "idTag", "minutes", "amount"], .remoteStop: ["transactionId", "connector"],
        .unlock: ["connector"], .getConfiguration: ["keys"], .changeConfiguration: ["key", "value"], .clearCache: [],
        .triggerMessage: ["message", "connector"], .changeAvailability: ["connector", "type", "availability"],
        .updateFirmware: ["location", "retrieveDate", "retries", "retryInterval"],
        .getDiagnostics: ["location", "startTime", "stopTime", "retries", "retryInterval"],
        .dataTransfer: ["vendorId", "messageId", "data"],
    ]

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): return String(b)
        case .null: return "null"
        default: return String(decoding: (try? BusCoding.encode(value)) ?? [], as: UTF8.self)
        }
    }
}

/// One OCPP 1.6 call: what goes on `ev/calls/{cp}/request`.
public struct OCPPCall: Sendable, Hashable {
    public var action: String
    public var payload: JSONValue
    public init(_ action: String, _ payload: [String: JSONValue]) {
        self.action = action
        self.payload = .object(payload)
    }
}

/// The command → OCPP 1.6 mapping table of issue 6, item 3, for the commands that are one call.
/// clear-fault and remote-stop by connector need the charger's state; see `ClearFaultProcedure` and
/// `CommandsEngine`.
public enum OCPP16Mapping {
    public static func call(for command: ValidatedCommand, transactionId resolved: TransactionID? = nil) -> OCPPCall? {
        switch command {
        case .reset(let type):
            return OCPPCall("Reset", ["type": .string(type.rawValue)])
        case .reboot:
            return OCPPCall("Reset", ["type": .string("Hard")])
        case .clearFault:
            return nil
        case .remoteStart(let connector, let idTag, _):
            return OCPPCall("RemoteStartTransaction", ["connectorId": .number(Double(connector)), "idTag": .string(idTag)])
        case .remoteStop(let transactionId, _):
            guard let tx = transactionId ?? resolved else { return nil }
            return remoteStop(transactionId: tx)
        case .unlock(let connector):
            return OCPPCall("UnlockConnector", ["connectorId": .number(Double(connector))])
        case .getConfiguration(let keys):
            return OCPPCall("GetConfiguration", keys.map { ["key": .array($0.map(JSONValue.string))] } ?? [:])
        case .changeConfiguration(let key, let value):
            return OCPPCall("ChangeConfiguration", ["key": .string(key), "value": .string(value)])
        case .clearCache:
            return OCPPCall("ClearCache", [:])
        case .triggerMessage(let message, let connector):
            var payload: [String: JSONValue] = ["requestedMessage": .string(message)]
            if let connector { payload["connectorId"] = .number(Double(connector)) }
            return OCPPCall("TriggerMessage", payload)
        case .changeAvailability(let connector, let availability):
            return changeAvailability(connector: connector, availability)
        case .updateFirmware(let location, let retrieveDate, let retries, let retryInterval):
            var payload: [String: JSONValue] = ["location": .string(location), "retrieveDate": .string(Timestamp.format(retrieveDate))]
            if let retries { payload["retries"] = .number(Double(retries)) }
            if let retryInterval { payload["retryInterval"] = .number(Double(retryInterval)) }
            return OCPPCall("UpdateFirmware", payload)
        case .getDiagnostics(let location, let startTime, let stopTime, let retries, let retryInterval):
            var payload: [String: JSONValue] = ["location": .string(location)]
            if let startTime { payload["startTime"] = .string(Timestamp.format(startTime)) }
            if let stopTime { payload["stopTime"] = .string(Timestamp.format(stopTime)) }
            if let retries { payload["retries"] = .number(Double(retries)) }
            if let retryInterval { payload["retryInterval"] = .number(Double(retryInterval)) }
            return OCPPCall("GetDiagnostics", payload)
        case .dataTransfer(let vendorId, let messageId, let data):
            var payload: [String: JSONValue] = ["vendorId": .string(vendorId)]
            if let messageId { payload["messageId"] = .string(messageId) }
            if let data { payload["data"] = .string(data) }
            return OCPPCall("DataTransfer", payload)
        }
    }

    public static func changeAvailability(connector: Int, _ availability: ValidatedCommand.Availability) -> OCPPCall {
        OCPPCall("ChangeAvailability", ["connectorId": .number(Double(connector)), "type": .string(availability.rawValue)])
    }

    /// The call stays in the 1.6 vocabulary; for a 2.0.1 charger the bridge translates it into
    /// RequestStopTransaction, carrying the string id.
    public static func remoteStop(transactionId: TransactionID) -> OCPPCall {
        switch transactionId {
        case .int(let id): OCPPCall("RemoteStopTransaction", ["transactionId": .number(Double(id))])
        case .string(let id): OCPPCall("RemoteStopTransaction", ["transactionId": .string(id)])
        }
    }

    /// Turns the bridge's answer into a command status and, for anything but Accepted, a human message.
    public static func outcome(of response: CallResponse, action: String) -> (CommandStatus, String?) {
        switch response.status {
        case .ok:
            let answer = response.response?["status"]?.stringValue
            switch answer {
            case nil, "Accepted", "Unlocked":
                return (.accepted, nil)
            case "Scheduled":
                return (.accepted, nil)
            case "RebootRequired":
                return (.accepted, nil)
            case "Rejected", "UnlockFailed":
                return (.rejected, "the charger answered \(action) with \(answer!)")
            case "NotSupported", "NotImplemented", "UnknownVendorId", "UnknownMessageId":
                return (.notSupported, "the charger answered \(action) with \(answer!)")
            case let other?:
                return (.error, "the charger answered \(action) with an unexpected status \(other)")
            }
        case .error:
            let code = response.error?.code ?? "GenericError"
            let text = response.error.map { "\($0.code)\($0.description.isEmpty ? "" : ": \($0.description)")" } ?? "CALLERROR"
            if code == "NotImplemented" || code == "NotSupported" {
                return (.notSupported, "the charger does not support \(action) (\(text))")
            }
            return (.error, "the charger answered \(action) with an error (\(text))")
        case .timeout:
            return (.timeout, response.message ?? "the charger did not answer \(action) in time")
        case .offline:
            return (.offline, response.message ?? "the charger is not connected")
        case .busy:
            return (.busy, response.message ?? "too many calls are queued for the charger; retry later")
        case .invalid:
            return (.invalid, "the bridge refused the \(action) call: \(response.message ?? "invalid")")
        }
    }
}
