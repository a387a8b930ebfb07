/// The alert daemon's topics (see `topics.md`, "Alerts").
extension Topics {
    /// Retained while firing. Connector 0 (the charger) has no connector level; connectors ≥ 1 add
    /// one, so two faulted connectors of a charger never overwrite each other's retained alert.
    public func alertActive(_ chargerID: String, rule: String, connector: Int = 0) -> String {
        connector == 0 ? "\(root)/alerts/active/\(chargerID)/\(rule)" : "\(root)/alerts/active/\(chargerID)/\(rule)/\(connector)"
    }
    public var alertEvents: String { "\(root)/alerts/events" }
    public func alertAck(_ alertID: String) -> String { "\(root)/alerts/\(alertID)/ack" }
    public var allAlertAcks: String { "\(root)/alerts/+/ack" }
    public var allActiveAlerts: String { "\(root)/alerts/active/#" }
    public func silence(_ silenceID: String) -> String { "\(root)/alerts/silences/\(silenceID)" }
    public var silenceSet: String { "\(root)/alerts/silences/set" }
    public func silenceExpire(_ silenceID: String) -> String { "\(root)/alerts/silences/\(silenceID)/expire" }
    public var allSilences: String { "\(root)/alerts/silences/+" }
    public var allSilenceExpires: String { "\(root)/alerts/silences/+/expire" }
    /// Publish a complete rules file (YAML text) here to replace the active rules without a restart.
    public var alertsConfigSet: String { "\(root)/alerts/config/set" }
    /// Publish anything here to re-read the rules file, like SIGHUP.
    public var alertsConfigReload: String { "\(root)/alerts/config/reload" }
    public var alertsConfigStatus: String { "\(root)/alerts/config/status" }
    public var allChargerDataTransfers: String { "\(root)/chargers/+/events/data-transfer" }
    public var allChargerBoots: String { "\(root)/chargers/+/boot" }
    public var allChargerTransactions: String { "\(root)/chargers/+/transactions" }

    /// Classifies a topic of the `{root}/alerts/` subtree. Returns nil for anything else.
    public func parseAlertTopic(_ topic: String) -> AlertTopic? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 3, levels[0] == root, levels[1] == "alerts" else { return nil }
        let rest = Array(levels.dropFirst(2))
        switch rest.count {
        case 1 where rest[0] == "events": return .events
        case 2 where rest[0] == "config" && rest[1] == "set": return .configSet
        case 2 where rest[0] == "config" && rest[1] == "reload": return .configReload
        case 2 where rest[0] == "config" && rest[1] == "status": return .configStatus
        case 2 where rest[0] == "silences" && rest[1] == "set": return .silenceSet
        case 2 where rest[0] == "silences" && !rest[1].isEmpty: return .silence(id: rest[1])
        case 2 where rest[1] == "ack" && !rest[0].isEmpty && rest[0] != "active": return .ack(alertID: rest[0])
        case 3 where rest[0] == "silences" && rest[2] == "expire": return .silenceExpire(id: rest[1])
        case 3 where rest[0] == "active": return .active(chargerID: rest[1], rule: rest[2], connector: 0)
        case 4 where rest[0] == "active":
            guard let n = Int(rest[3]), n >= 1 else { return nil }
            return .active(chargerID: rest[1], rule: rest[2], connector: n)
        default: return nil
        }
    }
}

/// A topic of the `{root}/alerts/` subtree, as classified by `Topics.parseAlertTopic`.
public enum AlertTopic: Sendable, Hashable {
    case active(chargerID: String, rule: String, connector: Int)
    case events
    case ack(alertID: String)
    case silence(id: String)
    case silenceSet
    case silenceExpire(id: String)
    case configSet
    case configReload
    case configStatus
}
