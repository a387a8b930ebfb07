import Foundation

/// `{root}/bridges/{bridgeId}`, retained, QoS 1. The bridge's own liveness. The broker publishes
/// the last will (`online:false`, `reason:"connection-lost"`, no `at`) when the bridge dies.
public struct BridgeState: Codable, Sendable, Hashable {
    public var online: Bool
    public var bridge: String
    public var at: Date?
    public var version: String?
    /// WebSocket address the bridge listens on.
    public var listen: String?
    /// `shutdown` on a clean stop, `connection-lost` in the last will.
    public var reason: String?

    public init(online: Bool, bridge: String, at: Date? = nil, version: String? = nil, listen: String? = nil, reason: String? = nil) {
        self.online = online
        self.bridge = bridge
        self.at = at
        self.version = version
        self.listen = listen
        self.reason = reason
    }
}
