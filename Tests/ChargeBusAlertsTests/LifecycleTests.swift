import ChargeBusConfig
import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusAlerts

@Suite struct AckAndSilenceTests {
    @Test func ackMarksTheFiringAlertAndUnknownIdsAreRejected() {
        var e = engine([.faulted: { $0.forS = 0 }])
        let id = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0)).events(.firing)[0].alert.id
        let acked = e.handle(.ack(alertID: id, AlertAckRequest(by: "tech-7", note: "on my way")), now: at(10)).events(.acknowledged)
        #expect(acked.count == 1 && acked[0].by == "tech-7" && acked[0].alert.acknowledged && acked[0].alert.ackBy == "tech-7")
        #expect(acked[0].alert.ackNote == "on my way" && acked[0].alert.ackAt == at(10))
        let rejected = e.handle(.ack(alertID: "nope", AlertAckRequest(by: "x")), now: at(11))
        #expect(rejected == [.ackRejected(alertID: "nope", by: "x", reason: "no firing alert has this id")])
        // A new incident starts unacknowledged.
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Available", 20)), now: at(20))
        _ = e.tick(now: at(1000))
        let again = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 1001)), now: at(1001)).events(.firing)
        #expect(again.count == 1 && !again[0].alert.acknowledged && again[0].alert.incident == 2)
    }

    @Test func silenceMarksMatchingAlertsAndEndsOnTime() {
        var e = engine([.faulted: { $0.forS = 0 }])
        _ = e.handle(.info(charger: "CP1", ChargerInfo(at: at(0), site: "depot", class: "L3", connectors: 2, maxPowerW: 1, lenient: false, autoRegistered: false)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0))
        let silence = Silence(id: "s1", matcher: SilenceMatcher(site: "depot"), startsAt: at(5), endsAt: at(100), createdBy: "ops", comment: "maintenance", createdAt: at(1))
        let set = e.handle(.setSilence(silence), now: at(1))
        #expect(set.events.isEmpty)  // starts at 5
        let silenced = e.tick(now: at(5)).events(.silenced)
        #expect(silenced.count == 1 && silenced[0].alert.silenced && silenced[0].silenceId == "s1" && silenced[0].by == "ops")
        // A new alert inside the window is recorded as silenced from the start.
        let fired = e.handle(.status(charger: "CP1", connector: 2, status("Faulted", 10)), now: at(10)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.silenced && fired[0].alert.silencedBy == ["s1"])
        let ended = e.tick(now: at(100))
        #expect(ended.events(.unsilenced).count == 2)
        #expect(ended.contains(.silence(silence, ended: true)))
    }

    @Test func expireAndMatchers() {
        var e = engine([.faulted: { $0.forS = 0 }, .disconnected: { $0.forS = 0 }])
        _ = e.handle(.status(charger: "DEPOT-N-1", connector: 1, status("Faulted", 0)), now: at(0))
        _ = e.handle(.state(charger: "DEPOT-N-1", offline(0)), now: at(0))
        let silence = Silence(id: "s2", matcher: SilenceMatcher(charger: "DEPOT-N-*", rule: "faulted"), startsAt: at(0), endsAt: at(1000), createdBy: "ops", comment: "", createdAt: at(0))
        let silenced = e.handle(.setSilence(silence), now: at(1)).events(.silenced)
        #expect(silenced.map(\.alert.rule) == ["faulted"])
        let expired = e.handle(.expireSilence(id: "s2", by: "ops"), now: at(2))
        #expect(expired.events(.unsilenced).count == 1)
        #expect(e.silences.isEmpty)
    }
}

@Suite struct OverrideAndGroupTests {
    @Test func disabledPerSiteAndStricterPerGroup() throws {
        let text = """
            alerts:
              groups:
                dc: {classes: L3}
              rules:
                faulted:
                  for: 10m
                  overrides:
                    lab-off: {sites: lab, enabled: false}
                    dc-fast: {groups: dc, for: 1m, severity: major}
            """
        let config = try AlertsConfig.parse(ConfigNode.parse(text, file: "r.yaml"))
        var e = AlertEngine(config: config)
        func info(_ site: String, _ klass: String) -> ChargerInfo {
            ChargerInfo(at: at(0), site: site, class: klass, connectors: 1, maxPowerW: 1, lenient: false, autoRegistered: false)
        }
        _ = e.handle(.info(charger: "LAB1", info("lab", "L3")), now: at(0))
        _ = e.handle(.info(charger: "DC1", info("depot", "L3")), now: at(0))
        _ = e.handle(.info(charger: "AC1", info("depot", "L2")), now: at(0))
        for cp in ["LAB1", "DC1", "AC1"] {
            _ = e.handle(.status(charger: cp, connector: 1, status("Faulted", 0)), now: at(0))
        }
        let at60 = e.tick(now: at(60)).events(.firing)
        #expect(at60.map(\.alert.charger) == ["DC1"] && at60[0].alert.severity == .major && at60[0].alert.groups == ["dc"])
        let at600 = e.tick(now: at(600)).events(.firing)
        #expect(at600.map(\.alert.charger) == ["AC1"] && at600[0].alert.severity == .critical)
    }

    @Test func namedRuleOfAKindHasItsOwnTopicLevel() throws {
        let text = """
            alerts:
              rules:
                faulted: {enabled: false}
                faulted-fast: {kind: faulted, for: 0s, severity: minor}
            """
        var e = AlertEngine(config: try AlertsConfig.parse(ConfigNode.parse(text, file: "r.yaml")))
        let fired = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0)).events(.firing)
        #expect(fired.map(\.alert.rule) == ["faulted-fast"] && fired[0].alert.kind == "faulted")
    }

    @Test func reconfigureDisablingARuleResolvesItsAlerts() {
        var e = engine([.faulted: { $0.forS = 0; $0.keepFiringForS = 0 }])
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0))
        let resolved = e.reconfigure(config([:]), codes: CodeBook(), now: at(10)).events(.resolved)
        #expect(resolved.count == 1)
    }
}

@Suite struct ConfigErrorTests {
    func error(_ text: String) -> ConfigError? {
        do {
            _ = try AlertsConfig.parse(ConfigNode.parse(text, file: "alerts.yaml"))
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsNameFileLineAndReason() {
        let bad = error("""
            alerts:
              rules:
                faulted:
                  for: soon
            """)
        #expect(bad?.file == "alerts.yaml" && bad?.line == 4)
        #expect(bad?.reason.contains("alerts.rules.faulted.for") == true && bad?.reason.contains("duration") == true)

        let unknownKey = error("""
            alerts:
              rules:
                soc-stall:
                  socBelo: 40
            """)
        #expect(unknownKey?.line == 4 && unknownKey?.reason.contains("unknown key") == true)

        let severity = error("alerts:\n  rules:\n    flapping:\n      severity: loud\n")
        #expect(severity?.line == 4 && severity?.reason.contains("critical, major, minor, info") == true)

        let kind = error("alerts:\n  rules:\n    my-rule:\n      for: 1m\n")
        #expect(kind?.line == 4 && kind?.reason.contains("kind") == true)

        let group = error("alerts:\n  rules:\n    faulted:\n      overrides:\n        x:\n          groups: nope\n")
        #expect(group?.line == 6 && group?.reason.contains("unknown group") == true)

        let yaml = error("alerts:\n  rules: [\n")
        #expect(yaml?.line != nil && yaml?.reason.contains("invalid YAML") == true)

        let list = error("alerts:\n  groups:\n    g:\n      sites:\n        - a\n        - {x: 1}\n")
        #expect(list?.line == 6 && list?.reason.contains("expected a string") == true)
    }

    @Test func defaultsMatchTheIssue() {
        let c = AlertsConfig.defaults
        #expect(c.rule(named: "disconnected")?.settings.forS == 600)
        #expect(c.rule(named: "failed-sessions")?.settings.count == 3 && c.rule(named: "failed-sessions")?.settings.windowS == 3600)
        #expect(c.rule(named: "soc-stall")?.settings.socBelow == 40 && c.rule(named: "soc-stall")?.settings.forS == 1200)
        #expect(RuleKind.allCases.allSatisfy { c.rule(named: $0.rawValue) != nil })
    }

    @Test func listsAsYAMLOrCommaSeparated() throws {
        let c = try AlertsConfig.parse(ConfigNode.parse("""
            alerts:
              groups:
                a: {sites: [s1, s2]}
                b:
                  chargers:
                    - "CP-*"
                    - LAB
                c: {classes: "L2, L3"}
            """, file: "r.yaml"))
        #expect(c.groups.map(\.sites) == [["s1", "s2"], [], []])
        #expect(c.groups[1].chargers == ["CP-*", "LAB"] && c.groups[2].classes == ["L2", "L3"])
    }

    @Test func durations() {
        #expect(AlertsConfig.parseDuration("90") == 90)
        #expect(AlertsConfig.parseDuration("1h30m") == 5400)
        #expect(AlertsConfig.parseDuration("2d") == 172_800)
        #expect(AlertsConfig.parseDuration("10 minutes") == nil)
    }

    @Test func codeTableErrors() {
        #expect(throws: ConfigError.self) { try CodeBook.parseTable(ConfigNode.parse("vendor: X\ncodes: {}\n", file: "x.yaml")) }
        do {
            _ = try CodeBook.parseTable(ConfigNode.parse("vendor: X\nvendorIds: x\ncodes:\n  E1: {severity: major}\n", file: "x.yaml"))
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 4 && error.reason.contains("text"))
        }
    }

    @Test func shippedRulesAndTablesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let loaded = try LoadedRules.load(file: root.appendingPathComponent("config/alerts.yaml").path)
        #expect(loaded.config.rules.count == RuleKind.allCases.count)
        #expect(loaded.codes.tables.count >= 4)
        #expect(loaded.codes.translate(vendorId: "https://chargex.inl.gov", code: "CX002")[0].severity == .critical)
        #expect(loaded.codes.translate(vendorId: "ABB", code: "0x00")[0].known)
    }
}

@Suite struct ContractTests {
    @Test func topicsRoundTrip() {
        let t = Topics(root: "ev")
        #expect(t.alertActive("CP1", rule: "faulted") == "ev/alerts/active/CP1/faulted")
        #expect(t.alertActive("CP1", rule: "faulted", connector: 2) == "ev/alerts/active/CP1/faulted/2")
        #expect(t.parseAlertTopic("ev/alerts/active/CP1/faulted/2") == .active(chargerID: "CP1", rule: "faulted", connector: 2))
        #expect(t.parseAlertTopic("ev/alerts/active/CP1/faulted") == .active(chargerID: "CP1", rule: "faulted", connector: 0))
        #expect(t.parseAlertTopic("ev/alerts/abc/ack") == .ack(alertID: "abc"))
        #expect(t.parseAlertTopic("ev/alerts/silences/set") == .silenceSet)
        #expect(t.parseAlertTopic("ev/alerts/silences/s1") == .silence(id: "s1"))
        #expect(t.parseAlertTopic("ev/alerts/silences/s1/expire") == .silenceExpire(id: "s1"))
        #expect(t.parseAlertTopic("ev/alerts/config/reload") == .configReload)
        #expect(t.parseAlertTopic("ev/alerts/events") == .events)
        #expect(t.parseAlertTopic("ev/chargers/CP1/state") == nil)
    }

    @Test func stableIDs() {
        let a = AlertPayload.makeID(charger: "CP1", connector: 1, rule: "faulted")
        #expect(a == AlertPayload.makeID(charger: "CP1", connector: 1, rule: "faulted"))
        #expect(a.count == 16 && a != AlertPayload.makeID(charger: "CP1", connector: 2, rule: "faulted"))
    }

    @Test func payloadEncodesWithContractConventions() throws {
        var e = engine([.faulted: { $0.forS = 0 }])
        let alert = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0)).events(.firing)[0].alert
        let text = String(decoding: try BusCoding.encode(alert), as: UTF8.self)
        #expect(text.contains("\"since\":\"2027-01-15T08:00:00.000Z\""))
        #expect(!text.contains("null") && !text.contains("ackBy"))
        #expect(try BusCoding.decode(AlertPayload.self, from: Array(text.utf8)) == alert)
    }
}

@Suite struct StoreTests {
    @Test func recordsAndRestores() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try AlertStore(directory: dir)
        var e = engine([.faulted: { $0.forS = 0 }], codes: sampleCodes)
        var actions = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0, vendorId: "com.evgo.mrec", code: "Q1")), now: at(0))
        try store.record(actions, engine: e)
        let id = actions.events[0].alert.id
        actions = e.handle(.ack(alertID: id, AlertAckRequest(by: "tech")), now: at(5))
        try store.record(actions, engine: e)
        try store.saveTracks(e.takeDirty())
        let snapshot = try store.loadSnapshot()
        #expect(snapshot.live.count == 1 && snapshot.live[0].payload.acknowledged)
        #expect(snapshot.incidents[id] == 1 && snapshot.tracks["CP1"]?.connectors[1]?.status == "Faulted")
        #expect(try store.unknownCodes().map(\.code) == ["Q1"])
        #expect(try store.transitions(alertID: id).map(\.event) == ["firing", "acknowledged"])
        #expect(try store.incidents(.init(state: .firing)).count == 1)
        #expect(try store.incidents(.init(site: "nowhere")).isEmpty)
    }
}

@Suite struct SchedulerTests {
    @Test func keepsOnlyTheEarliestDeadlinePerCharger() {
        var s = DeadlineScheduler()
        s.schedule("a", at: at(10))
        s.schedule("a", at: at(20))   // later: the earlier wake-up stays
        s.schedule("b", at: at(5))
        #expect(s.next == at(5))
        #expect(s.popDue(now: at(9)) == ["b"])
        #expect(s.popDue(now: at(10)) == ["a"])
        s.schedule("c", at: at(30))
        s.schedule("c", at: nil)      // cancelled
        #expect(s.popDue(now: at(100)).isEmpty)
    }
}
