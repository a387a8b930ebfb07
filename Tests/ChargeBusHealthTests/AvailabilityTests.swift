import ChargeBusContract
@testable import ChargeBusHealth
import Foundation
import Testing

@Suite("Availability, incidents, MTTR and MTBF")
struct AvailabilityTests {
    func tr(_ id: String, _ at: Double, _ to: HealthBucket?, site: String = "depot", class klass: String = "L2") -> BucketTransition {
        BucketTransition(chargerID: id, at: t(at), from: nil, to: to, site: site, class: klass)
    }

    @Test("Uptime, one incident inside the period, MTTR and MTBF")
    func simple() throws {
        let report = AvailabilityCalculator.compute(
            transitions: [tr("A", 0, .available), tr("A", 1000, .faulted), tr("A", 1600, .available)],
            from: t(0), to: t(10_000), now: t(20_000), policy: .up)
        let a = try #require(report.chargers.first)
        #expect(a.observedS == 10_000)
        #expect(a.downS == 600)
        #expect(a.uptimePct == 94)
        #expect(a.failures == 1)
        #expect(a.repairs == 1)
        #expect(a.mttrS == 600)
        #expect(a.mtbfS == 9400)
        #expect(report.incidents.count == 1)
        #expect(report.incidents[0].start == t(1000))
        #expect(report.incidents[0].end == t(1600))
        #expect(report.incidents[0].durationS == 600)
        #expect(report.timelines["A"]?.map(\.bucket) == [.available, .faulted, .available])
        #expect(report.timelines["A"]?.map(\.down) == [false, true, false])
        #expect(report.timelines["A"]?.last?.end == t(10_000))
    }

    @Test("A period that starts inside an outage counts it from the period's start and keeps the real start")
    func startsInsideOutage() throws {
        let report = AvailabilityCalculator.compute(
            transitions: [tr("A", -500, .offline), tr("A", 500, .available)],
            from: t(0), to: t(1000), now: t(5000), policy: .up)
        let a = try #require(report.chargers.first)
        #expect(a.downS == 500)
        #expect(a.upS == 500)
        #expect(a.uptimePct == 50)
        #expect(a.failures == 0, "the failure happened before the period")
        #expect(a.repairs == 1)
        #expect(a.mttrS == 1000, "the repair took 1000 s in full")
        #expect(a.mtbfS == nil)
        let incident = try #require(report.incidents.first)
        #expect(incident.startedBeforePeriod)
        #expect(incident.start == t(-500))
        #expect(incident.durationInPeriodS == 500)
    }

    @Test("A period that ends inside an outage counts it until the end, as ongoing")
    func endsInsideOutage() throws {
        let report = AvailabilityCalculator.compute(
            transitions: [tr("A", 0, .charging), tr("A", 800, .faulted), tr("A", 900, .offline), tr("A", 5000, .available)],
            from: t(0), to: t(1000), now: t(9000), policy: .up)
        let a = try #require(report.chargers.first)
        #expect(a.downS == 200)
        #expect(a.uptimePct == 80)
        #expect(a.failures == 1)
        #expect(a.repairs == 0)
        #expect(a.mttrS == nil)
        let incident = try #require(report.incidents.first)
        #expect(incident.ongoing)
        #expect(incident.end == nil)
        #expect(incident.buckets == [.faulted, .offline], "consecutive down buckets are one incident")
    }

    @Test("Time before a charger's first transition, and after its removal, is not observed; the future is not observed")
    func unobserved() throws {
        let report = AvailabilityCalculator.compute(
            transitions: [tr("A", 100, .available), tr("A", 600, nil)],
            from: t(0), to: t(1000), now: t(2000), policy: .up)
        #expect(report.chargers.first?.observedS == 500)
        #expect(report.chargers.first?.uptimePct == 100)
        let future = AvailabilityCalculator.compute(transitions: [tr("B", 0, .available)], from: t(0), to: t(1000), now: t(250), policy: .up)
        #expect(future.chargers.first?.observedS == 250)
        #expect(future.observedUntil == t(250))
    }

    @Test("Unavailable counts as up, down or not at all, as configured")
    func unavailablePolicy() throws {
        let transitions = [tr("A", 0, .available), tr("A", 250, .unavailable), tr("A", 500, .available)]
        let up = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .up)
        let down = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .down)
        let excluded = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .excluded)
        #expect(up.fleet.uptimePct == 100)
        #expect(down.fleet.uptimePct == 75)
        #expect(down.incidents.count == 1)
        #expect(excluded.fleet.observedS == 750)
        #expect(excluded.fleet.uptimePct == 100)
    }

    @Test("Site, class and fleet figures aggregate their chargers; filters by site and charger")
    func aggregation() throws {
        let transitions = [
            tr("A", 0, .available, site: "n", class: "L3"), tr("A", 100, .offline, site: "n", class: "L3"), tr("A", 300, .available, site: "n", class: "L3"),
            tr("B", 0, .available, site: "n", class: "L2"),
            tr("C", 0, .faulted, site: "s", class: "L2"), tr("C", 500, .available, site: "s", class: "L2"),
        ]
        let report = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .up)
        #expect(report.fleet.chargers == 3)
        #expect(report.fleet.observedS == 3000)
        #expect(report.fleet.downS == 700)
        #expect(report.fleet.failures == 2)
        #expect(report.fleet.mttrS == 350)
        #expect(report.fleet.mtbfS == 1150)
        #expect(report.sites.map(\.key) == ["n", "s"])
        #expect(report.sites[0].uptimePct == 90)
        #expect(report.classes.first { $0.key == "L3" }?.uptimePct == 80)
        let north = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .up, site: "n")
        #expect(north.chargers.map(\.key) == ["A", "B"])
        let one = AvailabilityCalculator.compute(transitions: transitions, from: t(0), to: t(1000), now: t(1000), policy: .up, chargerID: "C")
        #expect(one.chargers.map(\.key) == ["C"])
    }

    @Test("Restart in the middle of an outage: one incident, from the real start to the reconnect")
    func restartDuringOutage() async throws {
        let store = try HealthStore.inMemory()
        // First run: the charger goes offline at t(100).
        var first = EngineHarness()
        first.register("A", at: t(0))
        first.online("A", at: t(10))
        first.offline("A", at: t(100))
        try store.recordSync(transitions: first.transitions, connectivityEvents: first.connectivity)

        // The daemon stops at t(200) and restarts at t(1000). The retained state still says offline.
        var second = EngineHarness(restored: try store.restoredHistory(now: t(1000)), settleAt: nil)
        second.register("A", at: t(0))
        second.apply(.state(chargerID: "A", .offline(at: t(100), bridge: "bridge-1", reason: .closed)), at: t(1000))
        second.settle(t(1000))
        #expect(second.transitions.isEmpty, "still Offline since t(100): nothing new to store")
        #expect(second.since("A") == t(100))
        second.online("A", at: t(1500))
        try store.recordSync(transitions: second.transitions)

        let report = AvailabilityCalculator.compute(transitions: try store.transitions(from: t(50), to: t(2000)),
                                                    from: t(50), to: t(2000), now: t(2000), policy: .up)
        #expect(report.incidents.count == 1)
        #expect(report.incidents.first?.start == t(100))
        #expect(report.incidents.first?.end == t(1500))
        #expect(report.fleet.downS == 1400)
        #expect(report.fleet.mttrS == 1400)
    }

    @Test("Restart after the charger came back while the daemon was down: the reconnect is stored with the bridge's time")
    func restartAfterRecovery() throws {
        let store = try HealthStore.inMemory()
        var first = EngineHarness()
        first.register("A", at: t(0))
        first.online("A", at: t(10))
        first.status("A", 1, "Faulted", at: t(100))
        try store.recordSync(transitions: first.transitions)
        var second = EngineHarness(restored: try store.restoredHistory(now: t(1000)), settleAt: nil)
        second.register("A", at: t(0))
        second.apply(.state(chargerID: "A", .online(at: t(10), bridge: "bridge-1", protocol: "ocpp1.6", remote: "x")), at: t(1000))
        second.apply(.connectorStatus(chargerID: "A", connector: 1, ConnectorStatus(at: t(700), status: "Available", errorCode: "NoError")), at: t(1000))
        second.settle(t(1000))
        #expect(second.transitions.map(\.at) == [t(700)])
        try store.recordSync(transitions: second.transitions)
        let report = AvailabilityCalculator.compute(transitions: try store.transitions(from: t(0), to: t(1000)),
                                                    from: t(0), to: t(1000), now: t(1000), policy: .up)
        #expect(report.fleet.downS == 610, "never connected 0…10, Faulted 100…700")
    }

    @Test("Store: the last transition before the period and those inside it")
    func storeQuery() throws {
        let store = try HealthStore.inMemory()
        try store.recordSync(transitions: [tr("A", 0, .available), tr("A", 10, .faulted), tr("A", 20, .available), tr("A", 30, .offline),
                                           tr("B", 5, .charging)])
        let rows = try store.transitions(from: t(15), to: t(25))
        #expect(rows.map { "\($0.chargerID)@\(Int($0.at.timeIntervalSince(T0)))" } == ["A@10", "A@20", "B@5"])
        #expect(try store.transitions(from: t(15), to: t(25), chargerID: "B").count == 1)
        let restored = try store.restoredHistory(now: t(40))
        #expect(restored.lastBuckets["A"]?.bucket == .offline)
        #expect(restored.lastBuckets["B"]?.since == t(5))
    }

    @Test("Renderings: table, CSV, JSON and SVG")
    func renderings() throws {
        let report = AvailabilityCalculator.compute(
            transitions: [tr("A", 0, .available), tr("A", 1000, .faulted), tr("A", 1600, .available), tr("B", -50, .offline)],
            from: t(0), to: t(3600), now: t(3600), policy: .up)
        let table = AvailabilityRendering.table(report)
        #expect(table.contains("By charger"))
        #expect(table.contains("00:10:00"))
        let csv = AvailabilityRendering.csv(report)
        #expect(csv.split(separator: "\n").first?.hasPrefix("scope,key,site") == true)
        #expect(csv.contains("incident,A,depot,L2"))
        let json = try AvailabilityRendering.json(report)
        let decoded = try BusCoding.makeDecoder().decode(AvailabilityReport.self, from: Data(json.utf8))
        #expect(decoded.incidents.count == 2)
        let svg = AvailabilityRendering.svg(report, title: "ACME <SLA>")
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("ACME &lt;SLA&gt;"))
        #expect(svg.contains("#dc2626"))
        #expect(AvailabilityRendering.duration(90_061) == "1d 01:01:01")
    }
}
