/// Builders and parsers for every topic of the ChargeBus tree.
///
/// `topics.md` is the public contract; this type is its executable form. Every topic
/// starts with a configurable root (`ev` by default) so that several fleets can share a broker.
public struct Topics: Sendable, Hashable {
    public let root: String

    public init(root: String = "ev") {
        self.root = root
    }

    // MARK: Charger topics published by the bridge

    public func chargerState(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/state" }
    public func boot(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/boot" }
    public func info(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/info" }
    public func heartbeat(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/heartbeat" }
    public func connectorStatus(_ chargerID: String, connector: Int) -> String {
        "\(root)/chargers/\(chargerID)/connectors/\(connector)/status"
    }
    public func meter(_ chargerID: String, connector: Int) -> String {
        "\(root)/chargers/\(chargerID)/connectors/\(connector)/meter"
    }
    public func transactions(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/transactions" }
    public func ocppLog(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/ocpp" }
    public func event(_ chargerID: String, name: ChargerEventName) -> String {
        "\(root)/chargers/\(chargerID)/events/\(name.rawValue)"
    }
    public func bridge(_ bridgeID: String) -> String { "\(root)/bridges/\(bridgeID)" }

    // MARK: Internal call topics (commands daemon ↔ bridge)

    /// Where a privileged client asks the bridge to send a CSMS-initiated OCPP call.
    public func callRequest(_ chargerID: String) -> String { "\(root)/calls/\(chargerID)/request" }
    /// Where the bridge publishes the charger's answer to a call request.
    public func callResponse(_ chargerID: String) -> String { "\(root)/calls/\(chargerID)/response" }

    // MARK: Filters

    public var allCallRequests: String { "\(root)/calls/+/request" }
    public var allCallResponses: String { "\(root)/calls/+/response" }
    public var allChargerTopics: String { "\(root)/chargers/#" }
    public var allChargerStates: String { "\(root)/chargers/+/state" }
    public var allChargerInfos: String { "\(root)/chargers/+/info" }
    public var allTransactions: String { "\(root)/chargers/+/transactions" }
    public var allConnectorStatuses: String { "\(root)/chargers/+/connectors/+/status" }
    public var allMeters: String { "\(root)/chargers/+/connectors/+/meter" }
    public var allBridges: String { "\(root)/bridges/+" }

    // MARK: Parsing

    /// Classifies a concrete topic of this tree. Returns nil for topics outside the contract.
    public func parse(_ topic: String) -> Topic? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 2, levels[0] == root else { return nil }
        let rest = Array(levels.dropFirst())
        switch rest.count {
        case 2 where rest[0] == "bridges":
            return .bridge(bridgeID: rest[1])
        case 3 where rest[0] == "calls" && rest[2] == "request":
            return .callRequest(chargerID: rest[1])
        case 3 where rest[0] == "calls" && rest[2] == "response":
            return .callResponse(chargerID: rest[1])
        case 3 where rest[0] == "chargers":
            let cp = rest[1]
            switch rest[2] {
            case "state": return .chargerState(chargerID: cp)
            case "boot": return .boot(chargerID: cp)
            case "info": return .info(chargerID: cp)
            case "heartbeat": return .heartbeat(chargerID: cp)
            case "transactions": return .transactions(chargerID: cp)
            case "ocpp": return .ocppLog(chargerID: cp)
            default: return nil
            }
        case 4 where rest[0] == "chargers" && rest[2] == "events":
            guard let name = ChargerEventName(rawValue: rest[3]) else { return nil }
            return .event(chargerID: rest[1], name: name)
        case 5 where rest[0] == "chargers" && rest[2] == "connectors":
            guard let connector = Int(rest[3]), connector >= 0 else { return nil }
            switch rest[4] {
            case "status": return .connectorStatus(chargerID: rest[1], connector: connector)
            case "meter": return .meter(chargerID: rest[1], connector: connector)
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Charger ids become topic levels, so they must not contain MQTT wildcards or separators.
    /// OCPP 2.0.1 also forbids ':' and limits identities to 48 characters; 1.6 allows more,
    /// so the length limit here is the 1.6 one (CiString255 in the URL) and ':' is allowed.
    public static func isValidChargerID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 255 else { return false }
        for scalar in id.unicodeScalars {
            switch scalar {
            case "/", "+", "#", "\u{0}": return false
            default:
                if scalar.properties.generalCategory == .control { return false }
            }
        }
        return true
    }
}

/// A topic of the tree, as classified by `Topics.parse`.
public enum Topic: Sendable, Hashable {
    case chargerState(chargerID: String)
    case boot(chargerID: String)
    case info(chargerID: String)
    case heartbeat(chargerID: String)
    case connectorStatus(chargerID: String, connector: Int)
    case meter(chargerID: String, connector: Int)
    case transactions(chargerID: String)
    case ocppLog(chargerID: String)
    case event(chargerID: String, name: ChargerEventName)
    case bridge(bridgeID: String)
    case callRequest(chargerID: String)
    case callResponse(chargerID: String)
}

/// The names under `{root}/chargers/{cp}/events/`.
public enum ChargerEventName: String, Sendable, Hashable, Codable, CaseIterable {
    case dataTransfer = "data-transfer"
    case firmwareStatus = "firmware-status"
    case diagnosticsStatus = "diagnostics-status"
    case securityEvent = "security-event"
    case callError = "call-error"
    /// OCPP 2.0.1 NotifyReport (device model reports).
    case report
}
