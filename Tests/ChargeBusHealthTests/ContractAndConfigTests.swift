import ChargeBusConfig
import ChargeBusContract
@testable import ChargeBusHealth
import Foundation
import Testing

@Suite("Health topics, payloads and configuration")
struct ContractAndConfigTests {
    @Test("Topic builders and parser round-trip")
    func topics() {
        let topics = Topics(root: "ev")
        #expect(topics.parseHealth(topics.chargerHealth("CP-1")) == .chargerHealth(chargerID: "CP-1"))
        #expect(topics.parseHealth(topics.fleetHealth) == .fleetHealth)
        #expect(topics.parseHealth(topics.siteHealth("north")) == .siteHealth(site: "north"))
        #expect(topics.parseHealth(topics.fleetProblems) == .fleetProblems)
        #expect(topics.parseHealth(topics.fleetConnectivity) == .fleetConnectivity)
        #expect(topics.parseHealth(topics.session("CP-1", connector: 2)) == .session(chargerID: "CP-1", connector: 2))
        #expect(topics.parseHealth("ev/sessions/CP-1/x") == nil)
        #expect(topics.parseHealth("ev/chargers/CP-1/state") == nil)
        #expect(topics.parseHealth("other/fleet/health") == nil)
    }

    @Test("Payloads encode with sorted keys, bucket names and RFC 3339 times")
    func payloads() throws {
        var counts = BucketCounts()
        counts.add(.weakSignal)
        let summary = HealthSummary(at: T0, L2: counts, L3: .init(), all: counts)
        let text = String(decoding: try BusCoding.encode(summary), as: UTF8.self)
        #expect(text.hasPrefix("{\"L2\":{\"available\":0,\"charging\":0,\"faulted\":0,\"offline\":0,\"total\":1,\"unavailable\":0,\"weakSignal\":1}"))
        #expect(text.contains("\"at\":\"2027-01-15T08:00:00.000Z\""))
        let health = ChargerHealth(bucket: .weakSignal, class: "L3", site: "s", since: T0, online: true, at: T0)
        let decoded = try BusCoding.decode(ChargerHealth.self, from: try BusCoding.encode(health))
        #expect(decoded == health)
        #expect(String(decoding: try BusCoding.encode(health), as: UTF8.self).contains("\"bucket\":\"WeakSignal\""))
    }

    @Test("Config: the health section, with file:line:reason errors")
    func config() throws {
        let yaml = """
            health:
              offlineGrace: 3
              weakSignalDbm: -95
              unavailable: excluded
              chargers:
                CP-1: {site: north, class: L3}
            """
        var configuration = HealthConfiguration()
        try configuration.apply(file: try ConfigNode.parse(yaml, file: "c.yaml"))
        #expect(configuration.offlineGrace == 3)
        #expect(configuration.weakSignalDbm == -95)
        #expect(configuration.unavailable == .excluded)
        #expect(configuration.chargerOverrides["CP-1"] == .init(site: "north", class: "L3"))

        var bad = HealthConfiguration()
        #expect(throws: ConfigError.self) {
            try bad.apply(file: try ConfigNode.parse("health:\n  chargers:\n    CP-1: {class: L9}\n", file: "c.yaml"))
        }
        do {
            try bad.apply(file: try ConfigNode.parse("health:\n  offlineGrace: 2\n  weakSignal: -90\n", file: "c.yaml"))
            Issue.record("an unknown key must fail")
        } catch {
            #expect(error.file == "c.yaml")
            #expect(error.line == 3)
            #expect(error.reason.contains("weakSignal"))
        }
    }

    @Test("Dashboard rendering: DC and AC cards and the problem list")
    func dashboard() {
        var l3 = BucketCounts(); l3.add(.faulted); l3.add(.available)
        var l2 = BucketCounts(); l2.add(.offline)
        var all = BucketCounts(); all.add(.faulted); all.add(.available); all.add(.offline)
        let summary = HealthSummary(at: T0, L2: l2, L3: l3, all: all)
        let problems = FleetProblems(at: T0, count: 2, problems: [
            ChargerProblem(chargerId: "CP-2", site: "s", class: "L2", bucket: .offline, since: t(-3600), reason: "disconnected (closed)"),
            ChargerProblem(chargerId: "CP-1", site: "n", class: "L3", bucket: .faulted, since: t(-60), connector: 1,
                           errorCode: "GroundFailure", vendorId: "com.evgo.mrec", vendorErrorCode: "F003"),
        ])
        let text = HealthDashboard.render(summary: summary, problems: problems, site: nil, now: T0)
        #expect(text.contains("DC (L3): 2"))
        #expect(text.contains("AC (L2): 1"))
        #expect(text.contains("Problems (2)"))
        #expect(text.contains("F003"))
        #expect(text.contains("01:00:00"))
        let north = HealthDashboard.render(summary: summary, problems: problems, site: "n", now: T0)
        #expect(north.contains("Problems (1)"))
        #expect(HealthDashboard.render(summary: nil, problems: nil, site: nil, now: T0).contains("No health data"))
    }
}
