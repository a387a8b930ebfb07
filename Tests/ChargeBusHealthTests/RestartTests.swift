import ChargeBusContract
@testable import ChargeBusHealth
import Foundation
import Testing

/// What happened while the daemon was down comes back from its store and from the broker's queue.
@Suite("Nothing is lost across a restart")
struct RestartTests {
    /// "12 Offline": seconds after T0 and the bucket entered.
    static func summary(_ transitions: [BucketTransition]) -> [String] {
        transitions.map { "\(Int($0.at.timeIntervalSince(T0))) \($0.to?.rawValue ?? "removed")" }
    }

    /// First run: A connects at t(10) with connector 1 Available, then the daemon stops at t(100).
    static func firstRun(_ store: HealthStore, faultAt: Date? = nil) throws -> EngineHarness {
        var first = EngineHarness()
        first.register("A", at: t(0))
        first.online("A", at: t(10))
        first.status("A", 1, "Available", at: t(11))
        if let faultAt { first.status("A", 1, "Faulted", error: "GroundFailure", at: faultAt) }
        try store.recordSync(transitions: first.transitions, connectivityEvents: first.connectivity,
                             heartbeatSlots: first.heartbeatSlots)
        return first
    }

    static func restarted(_ store: HealthStore, after first: EngineHarness, at now: Date) throws -> EngineHarness {
        var second = EngineHarness(restored: try store.restoredHistory(now: now), settleAt: nil)
        if let own = first.published["A"] { second.apply(.restoredHealth(chargerID: "A", own), at: now) }
        return second
    }

    static func state(online: Bool, at: Date) -> HealthInput {
        .state(chargerID: "A", online ? .online(at: at, bridge: "bridge-1", protocol: "ocpp1.6", remote: "10.0.0.1:1")
                                      : .offline(at: at, bridge: "bridge-1", reason: .closed))
    }

    @Test("An outage that began and ended while the daemon was down is stored with the bridge's times")
    func outageInsideDowntime() throws {
        let store = try HealthStore.inMemory()
        let first = try Self.firstRun(store)
        #expect(first.bucket("A") == .available)

        // Down from t(100) to t(1000). The session's queue: the disconnect, the reconnect and the
        // statuses after it; then the retained burst repeats the newest of each.
        var second = try Self.restarted(store, after: first, at: t(1000))
        second.apply(Self.state(online: false, at: t(300)), at: t(1000))
        second.apply(Self.state(online: true, at: t(400)), at: t(1000))
        second.status("A", 1, "Available", at: t(401))
        second.register("A", at: t(0))
        second.apply(Self.state(online: true, at: t(400)), at: t(1000))
        second.status("A", 1, "Available", at: t(401))
        second.settle(t(1000))
        #expect(Self.summary(second.transitions) == ["300 Offline", "400 Available"])
        #expect(second.transitions.first?.reason == "disconnected (closed)")
        #expect(second.since("A") == t(400))
        try store.recordSync(transitions: second.transitions)

        let report = AvailabilityCalculator.compute(transitions: try store.transitions(from: t(50), to: t(1000)),
                                                    from: t(50), to: t(1000), now: t(1000), policy: .up)
        #expect(report.incidents.map(\.start) == [t(300)])
        #expect(report.incidents.map(\.end) == [t(400)])
        #expect(report.fleet.downS == 100)

        // A third start with the same queue redelivered (QoS 1 is at least once) stores nothing new.
        var third = try Self.restarted(store, after: second, at: t(2000))
        third.apply(Self.state(online: false, at: t(300)), at: t(2000))
        third.apply(Self.state(online: true, at: t(400)), at: t(2000))
        third.register("A", at: t(0))
        third.settle(t(2000))
        #expect(third.transitions.isEmpty)
    }

    @Test("Queued and retained messages in any order, duplicated, or older than the store: the same history")
    func outOfOrderAndDuplicates() throws {
        let store = try HealthStore.inMemory()
        let first = try Self.firstRun(store)
        var second = try Self.restarted(store, after: first, at: t(1000))
        second.register("A", at: t(0))
        second.apply(Self.state(online: true, at: t(400)), at: t(1000))
        second.apply(Self.state(online: false, at: t(300)), at: t(1000))
        second.apply(Self.state(online: true, at: t(400)), at: t(1000))
        second.apply(Self.state(online: false, at: t(300)), at: t(1000))
        // Older than what the store recorded (A has been Available since t(10)): scene only.
        second.apply(Self.state(online: false, at: t(5)), at: t(1000))
        second.status("A", 1, "Faulted", at: t(2))
        second.status("A", 1, "Available", at: t(11))
        second.settle(t(1000))
        #expect(Self.summary(second.transitions) == ["300 Offline", "400 Available"])

        // After the rebuild, a late old message does not move the charger back.
        second.apply(Self.state(online: false, at: t(350)), at: t(1001))
        #expect(second.bucket("A") == .available)
        #expect(Self.summary(second.transitions) == ["300 Offline", "400 Available"])
    }

    @Test("A fault stays a fault across an outage in the downtime, until its connector clears")
    func faultAcrossOutageInsideDowntime() throws {
        let store = try HealthStore.inMemory()
        let first = try Self.firstRun(store, faultAt: t(50))
        #expect(first.bucket("A") == .faulted)
        var second = try Self.restarted(store, after: first, at: t(1000))
        second.apply(Self.state(online: false, at: t(300)), at: t(1000))
        second.apply(Self.state(online: true, at: t(400)), at: t(1000))
        second.status("A", 1, "Available", at: t(500))
        second.register("A", at: t(0))
        second.settle(t(1000))
        #expect(Self.summary(second.transitions) == ["300 Offline", "400 Faulted", "500 Available"])
    }

    @Test("A charger that stayed up while the daemon was down: nothing new is stored")
    func nothingHappened() throws {
        let store = try HealthStore.inMemory()
        let first = try Self.firstRun(store)
        var second = try Self.restarted(store, after: first, at: t(1000))
        second.register("A", at: t(0))
        second.apply(Self.state(online: true, at: t(10)), at: t(1000))
        second.status("A", 1, "Available", at: t(11))
        second.settle(t(1000))
        #expect(second.transitions.isEmpty)
        #expect(second.since("A") == t(10))
    }

    @Test("Heartbeat average and jitter continue across a restart")
    func heartbeatStatisticsSurvive() throws {
        let store = try HealthStore.inMemory()
        var first = EngineHarness()
        first.register("A", at: t(0))
        first.boot("A", interval: 60, at: t(0))
        first.online("A", at: t(0))
        for second in [0.0, 60, 121, 180] { first.heartbeat("A", at: t(second)) }
        try store.recordSync(transitions: first.transitions, connectivityEvents: first.connectivity,
                             heartbeatSlots: first.heartbeatSlots)
        #expect(first.engine.chargers["A"]?.stats.averageInterval(now: t(180)) == 60)

        var second = EngineHarness(restored: try store.restoredHistory(now: t(1000)), settleAt: nil)
        second.register("A", at: t(0))
        second.boot("A", interval: 60, at: t(0))
        second.apply(Self.state(online: true, at: t(0)), at: t(1000))
        second.settle(t(1000))
        // The first beat after the restart only starts an interval: the beats in between were lost.
        second.heartbeat("A", at: t(1000))
        second.heartbeat("A", at: t(1060))
        let stats = try #require(second.engine.chargers["A"]?.stats)
        #expect(stats.averageInterval(now: t(1060)) == 60, "(60 + 61 + 59 + 60) / 4")
        #expect(abs((stats.jitter(now: t(1060)) ?? 0) - 0.5.squareRoot()) < 1e-9)
        let health = try #require(second.published["A"])
        #expect(health.heartbeatAvgS == 60)
        #expect(health.heartbeatJitterS == 0.707)
    }

    @Test("Store: heartbeat slots keep their last totals and only the last 24 h come back")
    func heartbeatSlotStore() async throws {
        let store = try HealthStore.inMemory()
        let hour = HeartbeatStatistics.hour(of: T0)
        try await store.record(transitions: [], connectivityEvents: [], heartbeatSlots: [
            HeartbeatSlot(chargerID: "A", hour: hour, sums: .init(intervals: 1, sum: 60, sumOfSquares: 3600)),
            HeartbeatSlot(chargerID: "A", hour: hour - 30, sums: .init(intervals: 1, sum: 50, sumOfSquares: 2500)),
        ])
        try await store.record(transitions: [], connectivityEvents: [], heartbeatSlots: [
            HeartbeatSlot(chargerID: "A", hour: hour, sums: .init(intervals: 2, sum: 121, sumOfSquares: 7321)),
        ])
        let restored = try store.restoredHistory(now: T0)
        #expect(restored.heartbeatSlots == [HeartbeatSlot(chargerID: "A", hour: hour, sums: .init(intervals: 2, sum: 121, sumOfSquares: 7321))])
        try await store.pruneConnectivityEvents(before: T0.addingTimeInterval(-25 * 3600))
        let left = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heartbeatSlot") }
        #expect(left == 1)
    }

    static let axisCases: [(span: Double, label: String)] = [
        (120, "08:00:00"), (1800, "08:00:00"), (6 * 3600, "08:00"), (3 * 86_400, "01-15 08:00"), (30 * 86_400, "2027-01-15"),
    ]

    @Test("SVG time axis labels follow the span", arguments: axisCases)
    func axisLabels(span: Double, label: String) {
        #expect(AvailabilityRendering.axisLabel(T0, span: span) == label)
    }
}
