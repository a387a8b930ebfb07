/// The commands daemon's topics (see `topics.md`, "Remote commands").
///
/// A request is published to `{root}/chargers/{cp}/commands/{name}`, or, with the identity bound by the
/// broker's ACL, to `{root}/chargers/{cp}/commands/{name}/by/{user}`. The result goes to
/// `{root}/chargers/{cp}/commands/{name}/result`. Replies that requesters ask for with an MQTT 5 response
/// topic conventionally live under `{root}/replies/{user}/…`, which the shipped ACL lets only that user read.
extension Topics {
    public func command(_ chargerID: String, name: String) -> String {
        "\(root)/chargers/\(chargerID)/commands/\(name)"
    }

    /// The identity-bound request topic: the shipped ACL lets `user` publish only here.
    public func command(_ chargerID: String, name: String, by user: String) -> String {
        "\(root)/chargers/\(chargerID)/commands/\(name)/by/\(user)"
    }

    public func commandResult(_ chargerID: String, name: String) -> String {
        "\(root)/chargers/\(chargerID)/commands/\(name)/result"
    }

    /// A requester's private reply area, for MQTT 5 response topics.
    public func replies(_ user: String) -> String { "\(root)/replies/\(user)" }

    public var allCommandRequests: String { "\(root)/chargers/+/commands/+" }
    public var allBoundCommandRequests: String { "\(root)/chargers/+/commands/+/by/+" }
    public var allCommandResults: String { "\(root)/chargers/+/commands/+/result" }

    /// Classifies a commands topic; nil for every other topic.
    public func parseCommandTopic(_ topic: String) -> CommandTopic? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 5, levels[0] == root, levels[1] == "chargers", levels[3] == "commands" else { return nil }
        let cp = levels[2], name = levels[4]
        guard !cp.isEmpty, !name.isEmpty else { return nil }
        switch levels.count {
        case 5: return .request(chargerID: cp, name: name, boundUser: nil)
        case 6 where levels[5] == "result": return .result(chargerID: cp, name: name)
        case 7 where levels[5] == "by" && !levels[6].isEmpty: return .request(chargerID: cp, name: name, boundUser: levels[6])
        default: return nil
        }
    }
}

public enum CommandTopic: Sendable, Hashable {
    /// `boundUser` is the username in `…/by/{user}`, which the broker's ACL vouches for.
    case request(chargerID: String, name: String, boundUser: String?)
    case result(chargerID: String, name: String)
}
