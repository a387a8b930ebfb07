@testable import ChargeBusBridge
import Testing

/// The liveness rule, driven by explicit durations instead of sleeps.
@Suite struct SilencePolicyTests {
    let policy = SilencePolicy(pingAfter: .seconds(30), giveUpAfter: .seconds(120))

    @Test func aRecentlyHeardChargerIsLeftAlone() {
        #expect(policy.evaluate(silence: .seconds(0), sincePing: nil) == .none)
        #expect(policy.evaluate(silence: .seconds(29), sincePing: nil) == .none)
    }

    @Test func aQuietChargerIsPingedOncePerInterval() {
        #expect(policy.evaluate(silence: .seconds(30), sincePing: nil) == .ping)
        #expect(policy.evaluate(silence: .seconds(45), sincePing: .seconds(15)) == .none)
        #expect(policy.evaluate(silence: .seconds(61), sincePing: .seconds(31)) == .ping)
    }

    @Test func aSilentChargerIsGivenUpExactlyAtTheLimit() {
        #expect(policy.evaluate(silence: .milliseconds(119_999), sincePing: .seconds(1)) == .none)
        #expect(policy.evaluate(silence: .seconds(120), sincePing: .seconds(1)) == .giveUp)
        #expect(policy.evaluate(silence: .seconds(500), sincePing: nil) == .giveUp)
    }

    @Test func limitsComeFromHeartbeatIntervalAndGrace() {
        var configuration = BridgeConfiguration(bridgeID: "b")
        configuration.heartbeatIntervalS = 300
        configuration.offlineGrace = 2
        let derived = SilencePolicy(configuration: configuration)
        #expect(derived.giveUpAfter == .seconds(600))
        #expect(derived.pingAfter == .seconds(60), "pings are capped at one a minute")
        configuration.heartbeatIntervalS = 2
        configuration.offlineGrace = 1.5
        #expect(SilencePolicy(configuration: configuration) == SilencePolicy(pingAfter: .seconds(1), giveUpAfter: .seconds(3)))
    }
}
