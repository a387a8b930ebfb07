/// Decides, from the time since a charger last sent anything, whether to ping it or give it up.
/// Pure so that the rule "silent for heartbeat × grace → offline" is tested with a test clock.
public struct SilencePolicy: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Send a WebSocket ping: a live charger answers with a pong, which counts as traffic.
        case ping
        /// Close the socket and publish the charger offline with reason `timeout`.
        case giveUp
    }

    public var pingAfter: Duration
    public var giveUpAfter: Duration

    public init(pingAfter: Duration, giveUpAfter: Duration) {
        self.pingAfter = pingAfter
        self.giveUpAfter = giveUpAfter
    }

    public init(configuration: BridgeConfiguration) {
        self.init(pingAfter: .milliseconds(Int64(configuration.pingIntervalS * 1000)),
                  giveUpAfter: .milliseconds(Int64(configuration.silenceLimitS * 1000)))
    }

    /// - Parameters:
    ///   - silence: time since the last frame of any kind (text, ping, pong) from the charger.
    ///   - sincePing: time since the bridge last pinged it, nil if never during this silence.
    public func evaluate(silence: Duration, sincePing: Duration?) -> Action {
        if silence >= giveUpAfter { return .giveUp }
        if silence >= pingAfter {
            if let sincePing, sincePing < pingAfter { return .none }
            return .ping
        }
        return .none
    }
}
