/// Topics published by the health daemon. See `topics.md`, section "Health daemon topics".
extension Topics {
    /// `{root}/chargers/{cp}/health`: one charger's bucket, connectivity statistics and connectors.
    public func chargerHealth(_ chargerID: String) -> String { "\(root)/chargers/\(chargerID)/health" }
    /// `{root}/fleet/health`: bucket counts for the whole fleet, per class and in total.
    public var fleetHealth: String { "\(root)/fleet/health" }
    /// `{root}/sites/{site}/health`: bucket counts for one site.
    public func siteHealth(_ site: String) -> String { "\(root)/sites/\(site)/health" }
    /// `{root}/fleet/problems`: every Faulted, Offline or WeakSignal charger.
    public var fleetProblems: String { "\(root)/fleet/problems" }
    /// `{root}/fleet/connectivity`: chargers with degraded connectivity, with their heartbeat statistics.
    public var fleetConnectivity: String { "\(root)/fleet/connectivity" }
    /// `{root}/sessions/{cp}/{connector}`: the live charging session on a connector.
    public func session(_ chargerID: String, connector: Int) -> String { "\(root)/sessions/\(chargerID)/\(connector)" }

    public var allChargerHealth: String { "\(root)/chargers/+/health" }
    public var allSiteHealth: String { "\(root)/sites/+/health" }
    public var allSessions: String { "\(root)/sessions/+/+" }
    public var allDataTransferEvents: String { "\(root)/chargers/+/events/\(ChargerEventName.dataTransfer.rawValue)" }
    public var allBoots: String { "\(root)/chargers/+/boot" }
    public var allHeartbeats: String { "\(root)/chargers/+/heartbeat" }

    /// Classifies a topic published by the health daemon. Returns nil for any other topic
    /// (including the bridge's topics: use `parse` for those).
    public func parseHealth(_ topic: String) -> HealthTopic? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 2, levels[0] == root else { return nil }
        let rest = Array(levels.dropFirst())
        switch rest.count {
        case 2 where rest[0] == "fleet":
            switch rest[1] {
            case "health": return .fleetHealth
            case "problems": return .fleetProblems
            case "connectivity": return .fleetConnectivity
            default: return nil
            }
        case 3 where rest[0] == "chargers" && rest[2] == "health":
            return rest[1].isEmpty ? nil : .chargerHealth(chargerID: rest[1])
        case 3 where rest[0] == "sites" && rest[2] == "health":
            return rest[1].isEmpty ? nil : .siteHealth(site: rest[1])
        case 3 where rest[0] == "sessions":
            guard !rest[1].isEmpty, let connector = Int(rest[2]), connector >= 0 else { return nil }
            return .session(chargerID: rest[1], connector: connector)
        default:
            return nil
        }
    }
}

/// A topic of the health daemon, as classified by `Topics.parseHealth`.
public enum HealthTopic: Sendable, Hashable {
    case chargerHealth(chargerID: String)
    case fleetHealth
    case siteHealth(site: String)
    case fleetProblems
    case fleetConnectivity
    case session(chargerID: String, connector: Int)
}
