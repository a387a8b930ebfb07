import ChargeBusConfig
import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct RoutingTests {
    typealias F = NotifyFixtures

    static let routes = """
      routes:
        name: root
        receivers: [oncall:site]
        escalation:
          - {after: 15m, receivers: ["group:leads@site"]}
          - {after: 1h, receivers: [technician:mia], channels: [email]}
        routes:
          - name: dc-critical
            match: {class: [DC], severity_at_least: critical}
            receivers: ["webhook:ops"]
            escalation: []
            continue: true
          - name: north
            match: {site: [depot-north]}
            receivers: [oncall:north]
            routes:
              - name: north-low
                match: {severity: [minor, info]}
                channels: [email]
                repeat_interval: never
          - name: abb
            match: {vendor: [abb], rule: [vendor-code]}
            receivers: [oncall:site, "email:abb-service@example.com"]
          - name: flapping
            match: {rule: [flapping], charger: ["NWK-*"]}
            group_wait: 5m
            send_resolved: false
    """

    func tree(routes: String = RoutingTests.routes, technicians: String = F.technicians, schedules: String = F.schedules) throws -> RouteTree {
        try F.tree(F.yaml(technicians: technicians, schedules: schedules, routes: routes))
    }

    // MARK: Matching

    @Test func aCriticalDCAlertTakesTheWebhookRouteAndContinuesToItsSite() throws {
        let matches = try tree().match(F.facts(F.alert(severity: .critical, class: "DC")))
        #expect(matches.map(\.policy.route) == ["dc-critical", "north"])
        let reasons = matches[0].reasons.joined(separator: "\n")
        #expect(reasons.contains("route dc-critical: severity critical ≥ critical, class=DC matched"))
        #expect(reasons.contains("continue: true"))
        #expect(matches[1].reasons.contains("route north: site=depot-north matched"))
        #expect(matches[0].policy.escalation.count == 1)
        #expect(matches[0].policy.escalation[0].receivers == ["webhook:ops"])
    }

    @Test func withoutContinueTheFirstMatchingChildWins() throws {
        // Major, DC, at depot-north: dc-critical does not match (severity), north does, abb is never tried.
        let matches = try tree().match(F.facts(F.alert(rule: "vendor-code", severity: .major), vendor: "ABB"))
        #expect(matches.map(\.policy.route) == ["north"])
    }

    @Test func childrenInheritWhatTheyDoNotSet() throws {
        let matches = try tree().match(F.facts(F.alert(severity: .minor, class: "AC")))
        #expect(matches.map(\.policy.route) == ["north-low"])
        let policy = try #require(matches.first?.policy)
        #expect(policy.channels == [.email])
        #expect(policy.repeatIntervalS == nil)
        #expect(policy.groupWaitS == 30)
        #expect(policy.sendResolved)
        #expect(policy.escalation.map(\.receivers) == [["oncall:north"], ["group:leads@site"], ["technician:mia"]])
        #expect(policy.escalation.map(\.afterS) == [0, 900, 3600])
        #expect(matches[0].reasons == ["route north: site=depot-north matched", "route north-low: severity=minor matched"])
    }

    @Test func theDefaultRouteTakesWhatNoChildTakes() throws {
        let matches = try tree().match(F.facts(F.alert(charger: "NWK-1", severity: .major, site: "newark-yard", class: "AC")))
        #expect(matches.map(\.policy.route) == ["root"])
        #expect(matches[0].reasons == ["no child route matched: default route root"])
        #expect(matches[0].policy.channels == [.email, .sms])
        #expect(matches[0].policy.repeatIntervalS == 14_400.0)
    }

    @Test func vendorMatchingIgnoresCaseAndNeedsAKnownVendor() throws {
        let alert = F.alert(charger: "NWK-2", rule: "vendor-code", severity: .major, site: "newark-yard", class: "AC")
        #expect(try tree().match(F.facts(alert, vendor: "ABB")).map(\.policy.route) == ["abb"])
        #expect(try tree().match(F.facts(alert, vendor: nil)).map(\.policy.route) == ["root"])
        #expect(try tree().match(F.facts(alert, vendor: "Kempower")).map(\.policy.route) == ["root"])
    }

    @Test func rulesMatchByNameOrKindAndChargersByGlob() throws {
        let alert = F.alert(charger: "NWK-3", rule: "nwk-flap", kind: "flapping", severity: .major, site: "newark-yard", class: "AC")
        let matches = try tree().match(F.facts(alert))
        #expect(matches.map(\.policy.route) == ["flapping"])
        #expect(matches[0].reasons == ["route flapping: rule kind=flapping matched, charger=NWK-3 matched"])
        #expect(matches[0].policy.groupWaitS == 300)
        #expect(matches[0].policy.sendResolved == false)
        let elsewhere = F.alert(charger: "BER-3", rule: "flapping", severity: .major, site: "newark-yard", class: "AC")
        #expect(try tree().match(F.facts(elsewhere)).map(\.policy.route) == ["root"])
    }

    @Test func groupMatchersUseTheAlertsChargerGroups() throws {
        let routes = """
          routes:
            receivers: [oncall:site]
            routes:
              - {name: fast, match: {group: [dc-fast]}}
        """
        let t = try tree(routes: routes)
        #expect(t.match(F.facts(F.alert(groups: ["pilot", "dc-fast"]))).map(\.policy.route) == ["fast"])
        #expect(t.match(F.facts(F.alert(groups: nil))).map(\.policy.route) == ["root"])
        #expect(t.routes.map(\.name) == ["root", "fast"])
    }

    @Test func unnamedRoutesAreNamedByTheirPath() throws {
        let routes = """
          routes:
            receivers: [oncall:site]
            routes:
              - match: {severity: critical}
                routes:
                  - match: {site: depot-north}
        """
        #expect(try tree(routes: routes).routes.map(\.name) == ["root", "root/1", "root/1/1"])
    }

    // MARK: Recipients and preferences

    /// Friday 2026-11-20 08:30 CET: alice has the north week, dave the Newark day.
    let fridayMorning = F.date("2026-11-20T07:30:00Z")

    @Test func smsOnlyForCriticalIsExplained() throws {
        let t = try tree()
        let major = F.facts(F.alert(severity: .major, class: "AC"))
        let policy = try #require(t.match(major).first?.policy)
        let resolution = t.recipients(forStep: 0, of: policy, facts: major, at: fridayMorning)
        #expect(resolution.chosen.map(\.recipient.key) == ["email:alice@example.com"])
        #expect(resolution.chosen[0].reasons.first?.hasPrefix("on call for north (rotation slot 1 of 2)") == true)
        #expect(resolution.skipped.map(\.reason) == ["sms skipped: Alice wants SMS only for critical alerts; this alert is major"])

        let critical = F.facts(F.alert(severity: .critical, class: "AC"))
        let chosen = t.recipients(forStep: 0, of: policy, facts: critical, at: fridayMorning).chosen
        #expect(chosen.map(\.recipient.key) == ["email:alice@example.com", "sms:+4915112345671"])
        #expect(chosen[1].reasons.last == "sms: critical alert")
        #expect(chosen[1].recipient == Recipient(technician: "alice", name: "Alice", channel: .sms, address: "+4915112345671"))
    }

    @Test func smsOutsideBusinessHoursIsJudgedInTheAlertSitesTimeZone() throws {
        let routes = "  routes: {receivers: [technician:bob]}"
        let t = try tree(routes: routes)
        // Tuesday 2026-11-24 17:30Z: 18:30 CET in Berlin (after hours), 12:30 EST in Newark (business hours).
        let at = F.date("2026-11-24T17:30:00Z")
        let north = F.facts(F.alert(severity: .major, site: "depot-north"))
        let policy = try #require(t.match(north).first?.policy)
        let inBerlin = t.recipients(forStep: 0, of: policy, facts: north, at: at)
        #expect(inBerlin.chosen.map(\.recipient.channel) == [.email, .sms])
        #expect(inBerlin.chosen[1].reasons.last == "sms: outside business hours (Tue 18:30 CET, Depot North's business hours (Mon–Fri 08:00–18:00))")

        let newark = F.facts(F.alert(charger: "NWK-1", severity: .major, site: "newark-yard"))
        let inNewark = t.recipients(forStep: 0, of: policy, facts: newark, at: at)
        #expect(inNewark.chosen.map(\.recipient.channel) == [.email])
        #expect(inNewark.skipped.map(\.reason) == [
            "sms skipped: Bob wants SMS only outside business hours; Tue 12:30 EST is within Newark Yard's business hours (Mon–Fri 07:00–19:00)",
        ])

        // An alert without a site is judged by Bob's first site.
        let nowhere = F.facts(F.alert(severity: .major, site: nil))
        #expect(t.recipients(forStep: 0, of: policy, facts: nowhere, at: at).chosen.map(\.recipient.channel) == [.email, .sms])
        // Saturday noon in Berlin is outside business hours too.
        let saturday = t.recipients(forStep: 0, of: policy, facts: north, at: F.date("2026-11-28T11:00:00Z"))
        #expect(saturday.chosen.map(\.recipient.channel) == [.email, .sms])
    }

    @Test func quietHoursHoldBackNonCriticalSMS() throws {
        let technicians = F.technicians + """

            quiet: {name: Quinn, email: quinn@example.com, phone: "+4915112345677", sites: [depot-north], preferences: {sms: always, quiet_hours: {start: "22:00", end: "06:00"}}}
        """
        let t = try tree(routes: "  routes: {receivers: [technician:quiet]}", technicians: technicians)
        let night = F.date("2026-11-24T22:30:00Z")  // 23:30 CET
        let major = F.facts(F.alert(severity: .major))
        let policy = try #require(t.match(major).first?.policy)
        let held = t.recipients(forStep: 0, of: policy, facts: major, at: night)
        #expect(held.chosen.map(\.recipient.channel) == [.email])
        #expect(held.skipped.first?.reason.contains("quiet hours (every day 22:00–06:00)") == true)
        let critical = F.facts(F.alert(severity: .critical))
        #expect(t.recipients(forStep: 0, of: policy, facts: critical, at: night).chosen.map(\.recipient.channel) == [.email, .sms])
        let day = F.date("2026-11-24T12:00:00Z")
        #expect(t.recipients(forStep: 0, of: policy, facts: major, at: day).chosen.map(\.recipient.channel) == [.email, .sms])
    }

    @Test func theSamePersonThroughSeveralReceiversIsNotifiedOncePerChannel() throws {
        let routes = """
          routes:
            receivers: [oncall:north, technician:alice, group:north-techs, "email:alice@example.com", "email:ops@example.com"]
            channels: [email]
        """
        let t = try tree(routes: routes)
        let facts = F.facts(F.alert(severity: .major))
        let policy = try #require(t.match(facts).first?.policy)
        let resolution = t.recipients(forStep: 0, of: policy, facts: facts, at: fridayMorning)
        #expect(resolution.chosen.map(\.recipient.key) == [
            "email:alice@example.com", "email:bob@example.com", "email:carol@example.com", "email:ops@example.com",
        ])
        let alice = resolution.chosen[0]
        #expect(alice.recipient.technician == "alice")
        #expect(alice.reasons.contains { $0.hasPrefix("on call for north") })
        #expect(alice.reasons.contains("named in route root as technician:alice"))
        #expect(alice.reasons.contains("member of group north-techs"))
        #expect(alice.reasons.contains("fixed receiver email:alice@example.com"))
        #expect(resolution.chosen[3].recipient.technician == nil)
    }

    @Test func escalationStepsResolveTheirOwnReceivers() throws {
        let t = try tree()
        let facts = F.facts(F.alert(severity: .major, class: "AC"))
        let policy = try #require(t.match(facts).first?.policy)
        let leads = t.recipients(forStep: 1, of: policy, facts: facts, at: fridayMorning)
        // group:leads@site: carol works at depot-north, erin does not.
        #expect(leads.chosen.map(\.recipient.key) == ["email:carol@example.com", "sms:+4915112345673"])
        #expect(leads.chosen[0].reasons.first == "member of group leads at site depot-north")
        let manager = t.recipients(forStep: 2, of: policy, facts: facts, at: fridayMorning)
        #expect(manager.chosen.map(\.recipient.key) == ["email:mia@example.com"])
        let beyond = t.recipients(forStep: 3, of: policy, facts: facts, at: fridayMorning)
        #expect(beyond.chosen.isEmpty && beyond.skipped.isEmpty)
        #expect(t.recipients(forStep: -1, of: policy, facts: facts, at: fridayMorning).chosen.isEmpty)
    }

    @Test func fixedReceiversAndWebhooksKeepTheirChannel() throws {
        let t = try tree()
        let facts = F.facts(F.alert(charger: "NWK-2", rule: "vendor-code", severity: .major, site: "newark-yard", class: "AC"), vendor: "ABB")
        let policy = try #require(t.match(facts).first?.policy)
        let resolution = t.recipients(forStep: 0, of: policy, facts: facts, at: fridayMorning)
        #expect(resolution.chosen.map(\.recipient.key) == ["email:dave@example.com", "sms:+12015550101", "email:abb-service@example.com"])
        let critical = F.facts(F.alert(severity: .critical, class: "DC"))
        let hook = try #require(t.match(critical).first?.policy)
        let webhook = t.recipients(forStep: 0, of: hook, facts: critical, at: fridayMorning).chosen
        #expect(webhook.map(\.recipient) == [Recipient(technician: nil, name: "ops", channel: .webhook, address: "ops")])
    }

    @Test func gapsAndMissingSitesAreSkippedWithAReason() throws {
        let schedules = OnCallTests.windowed
        let t = try tree(routes: "  routes: {receivers: [oncall:gappy, oncall:site]}", schedules: schedules)
        let saturday = F.date("2026-11-28T09:00:00Z")
        let facts = F.facts(F.alert(severity: .major, site: nil))
        let policy = try #require(t.match(facts).first?.policy)
        let resolution = t.recipients(forStep: 0, of: policy, facts: facts, at: saturday)
        #expect(resolution.chosen.isEmpty)
        #expect(resolution.skipped.map(\.reason) == [
            "gappy: nobody on call: no window covers Sat 10:00 CET",
            "the alert has no site",
        ])
    }

    @Test func aDryRunExplainsEveryStepAsTextAndJSON() throws {
        let t = try tree()
        let facts = F.facts(F.alert(severity: .major, class: "AC"))
        let explanation = t.explain(facts, at: fridayMorning)
        #expect(explanation.routes.map(\.route) == ["north"])
        #expect(explanation.routes[0].steps.count == 3)
        let text = explanation.render()
        #expect(text.contains("route north"))
        #expect(text.contains("because route north: site=depot-north matched"))
        #expect(text.contains("→ Alice by email to alice@example.com"))
        #expect(text.contains("✗ Alice (sms): sms skipped: Alice wants SMS only for critical alerts; this alert is major"))
        #expect(text.contains("step 1 (after 15 min unacknowledged): group:leads@site"))
        #expect(text.contains("named in escalation step 2 of route north as technician:mia"))
        let data = try JSONEncoder().encode(explanation)
        #expect(try JSONDecoder().decode(RouteExplanation.self, from: data) == explanation)
    }
}
