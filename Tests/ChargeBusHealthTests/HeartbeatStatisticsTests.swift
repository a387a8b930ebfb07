@testable import ChargeBusHealth
import Foundation
import Testing

@Suite("Heartbeat statistics")
struct HeartbeatStatisticsTests {
    @Test("Average and jitter (population standard deviation) of the intervals")
    func averageAndJitter() throws {
        var stats = HeartbeatStatistics()
        for (i, interval) in [290.0, 310, 300, 300].enumerated() {
            stats.recordInterval(interval, at: t(Double(i) * 300))
        }
        #expect(stats.averageInterval(now: t(1200)) == 300)
        let jitter = try #require(stats.jitter(now: t(1200)))
        #expect(abs(jitter - (50.0).squareRoot()) < 1e-9)
    }

    @Test("No intervals: no average, no jitter")
    func empty() {
        let stats = HeartbeatStatistics()
        #expect(stats.averageInterval(now: T0) == nil)
        #expect(stats.jitter(now: T0) == nil)
        #expect(stats.missed24h(now: T0) == 0)
    }

    @Test("Missed beats in a gap: half an interval of tolerance", arguments: [
        (300.0, 0), (449, 0), (450, 1), (600, 1), (749, 1), (750, 2), (900, 2), (3000, 9), (0, 0), (-5, 0),
    ])
    func missedBeats(gap: Double, expected: Int) {
        #expect(HeartbeatStatistics.missedBeats(gap: gap, interval: 300) == expected)
    }

    @Test("24 h counts roll off hour by hour")
    func rollOff() {
        var stats = HeartbeatStatistics()
        stats.recordMissed(2, at: t(0))
        stats.recordReconnect(at: t(0))
        stats.recordMissed(1, at: t(5 * 3600))
        #expect(stats.missed24h(now: t(6 * 3600)) == 3)
        #expect(stats.reconnects24h(now: t(6 * 3600)) == 1)
        #expect(stats.missed24h(now: t(24 * 3600 + 1)) == 1)
        #expect(stats.reconnects24h(now: t(24 * 3600 + 1)) == 0)
        #expect(stats.missed24h(now: t(30 * 3600)) == 0)
    }

    @Test("The short window uses exact times")
    func window() {
        var stats = HeartbeatStatistics()
        stats.recordMissed(1, at: t(0))
        stats.recordMissed(2, at: t(1000))
        #expect(stats.missed(within: 3600, now: t(3000)) == 3)
        #expect(stats.missed(within: 3600, now: t(3601)) == 2)
        #expect(stats.missed(within: 3600, now: t(4601)) == 0)
    }

    @Test("Memory stays bounded however many heartbeats arrive")
    func bounded() {
        var stats = HeartbeatStatistics()
        for i in 0..<100_000 { stats.recordInterval(1, at: t(Double(i))); stats.recordMissed(1, at: t(Double(i))) }
        #expect(stats.recentMissed.count == HeartbeatStatistics.recentCapacity)
        #expect(stats.averageInterval(now: t(100_000)) == 1)
    }

    @Test("Engine: intervals never span a reconnect")
    func intervalsAcrossReconnect() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.boot("CP1", interval: 60, at: t(0))
        h.heartbeat("CP1", at: t(60))
        h.heartbeat("CP1", at: t(120))
        h.offline("CP1", at: t(130))
        h.online("CP1", at: t(1000))
        h.heartbeat("CP1", at: t(1060))
        #expect(h.published["CP1"]?.heartbeatAvgS == 60)
        #expect(h.published["CP1"]?.heartbeatJitterS == 0)
        #expect(h.published["CP1"]?.reconnects24h == 1)
        #expect(h.published["CP1"]?.heartbeatIntervalS == 60)
    }
}
