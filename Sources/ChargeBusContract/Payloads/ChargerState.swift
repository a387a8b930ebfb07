import Foundation

/// `{root}/chargers/{cp}/state`, retained, QoS 1. Whether the charger holds a socket to a bridge.
public struct ChargerState: Codable, Sendable, Hashable {
    public enum OfflineReason: String, Codable, Sendable, Hashable {
        /// The charger or the network closed the WebSocket.
        case closed
        /// The charger was silent for longer than heartbeat interval × grace.
        case timeout
        /// The charger opened a new socket; the old one was closed. An `online:true` follows.
        case replaced
        /// The bridge shut down cleanly while holding the charger.
        case bridgeShutdown = "bridge-shutdown"
    }

    public var online: Bool
    public var at: Date
    /// The bridge id holding (or last holding) the socket.
    public var bridge: String?
    /// `ocpp1.6` or `ocpp2.0.1`: the negotiated WebSocket subprotocol.
    public var `protocol`: String?
    /// The charger's address as seen by the bridge, `ip:port`.
    public var remote: String?
    /// Present when `online` is false.
    public var reason: OfflineReason?

    public init(online: Bool, at: Date, bridge: String? = nil, protocol: String? = nil, remote: String? = nil, reason: OfflineReason? = nil) {
        self.online = online
        self.at = at
        self.bridge = bridge
        self.protocol = `protocol`
        self.remote = remote
        self.reason = reason
    }

    public static func online(at: Date, bridge: String, protocol: String, remote: String) -> ChargerState {
        ChargerState(online: true, at: at, bridge: bridge, protocol: `protocol`, remote: remote)
    }

    public static func offline(at: Date, bridge: String, reason: OfflineReason) -> ChargerState {
        ChargerState(online: false, at: at, bridge: bridge, reason: reason)
    }
}
