import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusCommands

@Suite struct DeciderTests {
    @Test func acceptedPlan() {
        var d = CommandDecider(configuration: configuration())
        let plan = decide(&d, envelope("reset", #"{"id":"r1","params":{"type":"hard"}}"#), fleet: fleet()).plan
        #expect(plan?.command == .reset(.hard))
        #expect(plan?.user == "ada")
    }

    @Test func badInputIsInvalid() {
        var d = CommandDecider(configuration: configuration())
        let f = fleet()
        for (name, json, fragment) in [
            ("reset", "not json", "not JSON"),
            ("reset", "[1]", "object"),
            ("reset", #"{"params":{}}"#, "'id'"),
            ("explode", #"{"id":"x1"}"#, "unknown command"),
            ("unlock", #"{"id":"x2"}"#, "connector"),
            ("unlock", #"{"id":"x3","params":{"connector":3}}"#, "2 connectors"),
            ("unlock", #"{"id":"x4","params":{"connector":"one"}}"#, "integer"),
            ("reset", #"{"id":"x5","params":{"type":"medium"}}"#, "soft or hard"),
            ("reset", #"{"id":"x6","params":{"colour":"red"}}"#, "does not take 'colour'"),
            ("reset", #"{"id":"x7","params":[1]}"#, "object"),
        ] {
            let decision = decide(&d, envelope(name, json), fleet: f)
            #expect(decision.status == .invalid, "\(name) \(json)")
            #expect(decision.message?.contains(fragment) == true, "\(decision.message ?? "") should mention \(fragment)")
        }
        let unknown = decide(&d, envelope("NOPE", "reset", #"{"id":"x8"}"#), fleet: f)
        #expect(unknown.status == .invalid)
        #expect(unknown.message?.contains("unknown charger") == true)
    }

    @Test func deniedByRoleAndSite() {
        var d = CommandDecider(configuration: configuration())
        let f = fleet()
        #expect(decide(&d, envelope("CP-S", "reset", user: "dee", #"{"id":"a"}"#), fleet: f).status == .denied)
        #expect(decide(&d, envelope("CP-N", "reset", user: "dee", #"{"id":"b"}"#), fleet: f).status == .accepted)
        #expect(decide(&d, envelope("CP-N", "clear-cache", user: "ian", #"{"id":"c"}"#), fleet: f).status == .denied)
        #expect(decide(&d, envelope("CP-N", "get-configuration", user: "cpo", #"{"id":"d"}"#), fleet: f).status == .denied)
    }

    @Test func identityFromTheBrokerBoundTopic() {
        var d = CommandDecider(configuration: configuration())
        let f = fleet()
        // The topic says dee (broker-authenticated); the payload claims ada.
        let spoof = decide(&d, envelope("CP-N", "reset", user: "dee", #"{"id":"s1","by":"ada"}"#), fleet: f)
        #expect(spoof.status == .denied)
        #expect(spoof.message?.contains("broker authenticated dee") == true)
        // Unbound topic in broker mode: by alone is not trusted.
        let unbound = decide(&d, envelope("CP-N", "reset", user: nil, #"{"id":"s2","by":"ada"}"#), fleet: f)
        #expect(unbound.status == .denied)
        // Payload mode (labs): by is used.
        var c = configuration()
        c.identity = .payload
        var lab = CommandDecider(configuration: c)
        #expect(decide(&lab, envelope("CP-N", "reset", user: nil, #"{"id":"s3","by":"ada"}"#), fleet: f).plan?.user == "ada")
        #expect(decide(&lab, envelope("CP-N", "reset", user: nil, #"{"id":"s4"}"#), fleet: f).status == .invalid)
    }

    @Test func offlineAtOnceAfterAuthorization() {
        var d = CommandDecider(configuration: configuration())
        #expect(decide(&d, envelope("CP-OFF", "reset", #"{"id":"o1"}"#), fleet: fleet()).status == .offline)
        // An unauthorized user learns nothing about the charger's state.
        #expect(decide(&d, envelope("CP-OFF", "reset", user: "cpo", #"{"id":"o2"}"#), fleet: fleet()).status == .denied)
    }

    @Test func bridgeLastWillMakesItsChargersOffline() {
        var f = fleet()
        f.bridgeLost("b1")
        var d = CommandDecider(configuration: configuration())
        #expect(decide(&d, envelope("CP-N", "reset", #"{"id":"w1"}"#), fleet: f).status == .offline)
    }

    @Test func busyWhileChargingUnlessForcedByAdminOrManager() {
        let f = fleet(charging: 1)
        var d = CommandDecider(configuration: configuration())
        for name in ["reset", "reboot", "clear-fault"] {
            let busy = decide(&d, envelope(name, user: "dee", #"{"id":"b-\#(name)"}"#), fleet: f)
            #expect(busy.status == .busy, "\(name)")
            #expect(busy.message?.contains("connector 1") == true)
        }
        #expect(decide(&d, envelope("change-availability", user: "dee", #"{"id":"ca1","params":{"connector":1,"type":"inoperative"}}"#), fleet: f).status == .busy)
        // Another connector is free.
        #expect(decide(&d, envelope("change-availability", user: "dee", #"{"id":"ca2","params":{"connector":2,"type":"inoperative"}}"#), fleet: f).status == .accepted)
        // Non-disruptive commands go ahead.
        #expect(decide(&d, envelope("get-configuration", user: "dee", #"{"id":"g1"}"#), fleet: f).status == .accepted)
        // force: Admin and Manager yes, Dispatcher denied.
        #expect(decide(&d, envelope("reset", user: "ada", #"{"id":"f1","force":true}"#), fleet: f).status == .accepted)
        #expect(decide(&d, envelope("reboot", user: "max", #"{"id":"f2","params":{"force":true}}"#), fleet: f).status == .accepted)
        #expect(decide(&d, envelope("reset", user: "dee", #"{"id":"f3","force":true}"#), fleet: f).status == .denied)
    }

    @Test func chargingStatusCountsAsATransactionEvenWithoutTheStartEvent() {
        var f = fleet()
        f.apply(status: status("SuspendedEV"), chargerID: "CP-N", connector: 2)
        var d = CommandDecider(configuration: configuration())
        #expect(decide(&d, envelope("reset", #"{"id":"se"}"#), fleet: f).status == .busy)
    }

    @Test func rateLimitPerCharger() {
        var c = configuration()
        c.rateLimitCommands = 3
        c.rateLimitWindowS = 60
        var d = CommandDecider(configuration: c)
        let f = fleet()
        for i in 0..<3 { #expect(decide(&d, envelope("clear-cache", #"{"id":"r\#(i)"}"#), fleet: f, now: t0 + Double(i)).status == .accepted) }
        let limited = decide(&d, envelope("clear-cache", #"{"id":"r3"}"#), fleet: f, now: t0 + 10)
        #expect(limited.status == .busy)
        #expect(limited.message?.contains("retry in 50 s") == true)
        // Another charger has its own budget; the window slides.
        #expect(decide(&d, envelope("CP-S", "clear-cache", #"{"id":"r4"}"#), fleet: f, now: t0 + 10).status == .accepted)
        #expect(decide(&d, envelope("clear-cache", #"{"id":"r5"}"#), fleet: f, now: t0 + 60.5).status == .accepted)
    }

    @Test func remoteStopByConnectorNeedsAKnownTransaction() {
        var d = CommandDecider(configuration: configuration())
        #expect(decide(&d, envelope("remote-stop", #"{"id":"rs1","params":{"connector":1}}"#), fleet: fleet()).status == .rejected)
        #expect(decide(&d, envelope("remote-stop", #"{"id":"rs2","params":{"connector":1}}"#), fleet: fleet(charging: 1)).status == .accepted)
    }
}

@Suite struct RateLimiterTests {
    @Test func slidingWindow() {
        var r = RateLimiter(limit: 2, window: 10)
        #expect(r.admit("A", now: t0) == nil)
        #expect(r.admit("A", now: t0 + 1) == nil)
        #expect(r.admit("A", now: t0 + 2) == 8)
        #expect(r.admit("A", now: t0 + 10) == nil)
        #expect(r.admit("B", now: t0 + 2) == nil)
    }
}
