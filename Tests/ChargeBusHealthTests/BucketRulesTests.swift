import ChargeBusContract
@testable import ChargeBusHealth
import Foundation
import Testing

@Suite("Bucket rules and precedence")
struct BucketRulesTests {
    @Test("A registered charger that never connected is Offline since its info")
    func neverConnected() {
        var h = EngineHarness()
        h.register("CP1", at: t(-100))
        #expect(h.bucket("CP1") == .offline)
        #expect(h.engine.chargers["CP1"]?.evaluation?.reason == "never connected")
    }

    @Test("Online without status is Available; Preparing, Finishing and Reserved are Available")
    func available() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(10))
        #expect(h.bucket("CP1") == .available)
        #expect(h.since("CP1") == t(10))
        for status in ["Preparing", "Finishing", "Reserved", "Available"] {
            h.status("CP1", 1, status, at: t(20))
            #expect(h.bucket("CP1") == .available, "\(status)")
        }
    }

    @Test("Faulted on connector 0 or any connector")
    func faulted() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.status("CP1", 2, "Faulted", error: "GroundFailure", at: t(5), vendorErrorCode: "F003")
        #expect(h.bucket("CP1") == .faulted)
        #expect(h.since("CP1") == t(5))
        let problem = h.engine.problems(now: t(6)).problems.first
        #expect(problem?.chargerId == "CP1")
        #expect(problem?.connector == 2)
        #expect(problem?.errorCode == "GroundFailure")
        #expect(problem?.vendorErrorCode == "F003")
        h.status("CP1", 2, "Available", at: t(9))
        #expect(h.bucket("CP1") == .available)
        h.status("CP1", 0, "Faulted", error: "InternalError", at: t(12))
        #expect(h.bucket("CP1") == .faulted)
    }

    @Test("Charging needs a transaction for SuspendedEV/EVSE; Charging is taken at its word")
    func charging() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.status("CP1", 1, "SuspendedEV", at: t(2))
        #expect(h.bucket("CP1") == .available)
        h.start("CP1", connector: 1, tx: 7, at: t(3))
        #expect(h.bucket("CP1") == .charging)
        #expect(h.since("CP1") == t(3))
        h.stop("CP1", connector: 1, tx: 7, at: t(4))
        #expect(h.bucket("CP1") == .available)
        h.status("CP1", 2, "Charging", at: t(5))
        #expect(h.bucket("CP1") == .charging)
        h.status("CP1", 2, "SuspendedEVSE", at: t(6))
        #expect(h.bucket("CP1") == .available)
    }

    @Test("Unavailable: connector 0, or every connector")
    func unavailable() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.status("CP1", 1, "Unavailable", at: t(2))
        h.status("CP1", 2, "Available", at: t(2))
        #expect(h.bucket("CP1") == .available)
        h.status("CP1", 2, "Unavailable", at: t(3))
        #expect(h.bucket("CP1") == .unavailable)
        h.status("CP1", 1, "Available", at: t(4))
        h.status("CP1", 2, "Available", at: t(4))
        h.status("CP1", 0, "Unavailable", at: t(5))
        #expect(h.bucket("CP1") == .unavailable)
    }

    @Test("Precedence: Offline > Faulted > Unavailable > WeakSignal > Charging > Available")
    func precedence() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.start("CP1", connector: 1, tx: 1, at: t(2))
        h.status("CP1", 1, "Charging", at: t(2))
        #expect(h.bucket("CP1") == .charging)
        h.status("CP1", 2, "Available", error: "WeakSignal", at: t(3))
        #expect(h.bucket("CP1") == .weakSignal)
        h.status("CP1", 0, "Unavailable", at: t(4))
        #expect(h.bucket("CP1") == .unavailable)
        h.status("CP1", 2, "Faulted", error: "WeakSignal", at: t(5))
        #expect(h.bucket("CP1") == .faulted)
        h.offline("CP1", at: t(6))
        #expect(h.bucket("CP1") == .offline)
        // And back down the ladder as causes clear.
        h.online("CP1", at: t(7))
        #expect(h.bucket("CP1") == .faulted)
        h.status("CP1", 2, "Available", error: "WeakSignal", at: t(8))
        #expect(h.bucket("CP1") == .unavailable)
        h.status("CP1", 0, "Available", at: t(9))
        #expect(h.bucket("CP1") == .weakSignal)
        h.status("CP1", 2, "Available", at: t(10))
        #expect(h.bucket("CP1") == .charging)
        #expect(h.transitions.map(\.to) == [.offline, .available, .charging, .weakSignal, .unavailable, .faulted, .offline,
                                            .faulted, .unavailable, .weakSignal, .charging])
        #expect(HealthBucket.allCases.sorted() == [.offline, .faulted, .unavailable, .weakSignal, .charging, .available])
    }

    @Test("WeakSignal from a signal reading below the threshold, in every shape chargers send")
    func signalStrength() {
        var configuration = HealthConfiguration()
        configuration.weakSignalDbm = -90
        var h = EngineHarness(configuration: configuration)
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.signal("CP1", data: .string("{\"rssi\":-95}"), at: t(2))
        #expect(h.bucket("CP1") == .weakSignal)
        #expect(h.published["CP1"]?.signalDbm == -95)
        h.signal("CP1", data: .string("-70 dBm"), at: t(3))
        #expect(h.bucket("CP1") == .available)
        h.signal("CP1", data: .object(["dBm": .number(-101)]), at: t(4))
        #expect(h.bucket("CP1") == .weakSignal)
        h.signal("CP1", data: .number(-60), at: t(5))
        #expect(h.bucket("CP1") == .available)
        // Another DataTransfer is not a signal reading; an old reading stops counting.
        h.signal("CP1", data: .string("-120"), at: t(6), messageId: "Other")
        #expect(h.bucket("CP1") == .available)
        h.signal("CP1", data: .string("-99"), at: t(7))
        #expect(h.bucket("CP1") == .weakSignal)
        h.tick(t(7 + configuration.signalMaxAgeS + 1))
        // (silence makes it Offline long before: check the signal rule alone)
        var record = h.engine.chargers["CP1"]!
        record.silentSince = nil
        let evaluation = BucketRules.evaluate(record, bridges: [:], configuration: configuration, now: t(7 + configuration.signalMaxAgeS + 1))
        #expect(evaluation.bucket == .available)
    }

    @Test("SignalStrength parsing", arguments: [
        (JSONValue.string("{\"rssi\":-95}"), -95.0 as Double?), (.string("{\"dBm\": -88.5}"), -88.5), (.string("-97dBm"), -97),
        (.string("-97"), -97), (.number(-80), -80), (.object(["signalDbm": .number(-77)]), -77), (.string("strong"), nil),
        (.number(12), nil), (.string("{\"foo\":1}"), nil),
    ])
    func signalParsing(data: JSONValue, expected: Double?) {
        let event = ChargerEvent(at: T0, name: .dataTransfer, data: .object(["vendorId": .string("x"), "messageId": .string("SignalStrength"), "data": data]))
        #expect(SignalStrength.reading(from: event) == expected)
    }

    @Test("WeakSignal from missed heartbeats over the threshold within the window, and it clears when they age out")
    func missedHeartbeats() {
        var configuration = HealthConfiguration()
        configuration.missedHeartbeatsThreshold = 3
        configuration.connectivityWindowS = 3600
        configuration.offlineGrace = 10  // keep the silence rule out of the way
        var h = EngineHarness(configuration: configuration)
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.boot("CP1", interval: 60, at: t(0))
        h.heartbeat("CP1", at: t(60))
        h.heartbeat("CP1", at: t(180))   // gap 120 s: 1 missed
        #expect(h.bucket("CP1") == .available)
        h.heartbeat("CP1", at: t(360))   // gap 180 s: 2 missed → 3 in the window
        #expect(h.bucket("CP1") == .weakSignal)
        #expect(h.engine.chargers["CP1"]?.evaluation?.reason.contains("3 missed heartbeats") == true)
        #expect(h.connectivity.filter { $0.kind == .missed }.map(\.count) == [1, 2])
        #expect(h.engine.connectivity(now: t(361)).degraded.map(\.chargerId) == ["CP1"])
        var now = 360.0
        while now < 360 + 3600 {
            now += 60
            h.heartbeat("CP1", at: t(now))
            h.tick(t(now))
        }
        #expect(h.bucket("CP1") == .available)
        #expect(h.published["CP1"]?.missedHeartbeats24h == 3)
    }

    @Test("WeakSignal from reconnect flapping over the threshold")
    func flapping() {
        var configuration = HealthConfiguration()
        configuration.reconnectsThreshold = 3
        var h = EngineHarness(configuration: configuration)
        h.register("CP1")
        h.online("CP1", at: t(0))
        for i in 1...3 {
            h.offline("CP1", at: t(Double(i) * 100))
            h.online("CP1", at: t(Double(i) * 100 + 5))
        }
        #expect(h.bucket("CP1") == .weakSignal)
        #expect(h.published["CP1"]?.reconnects24h == 3)
        #expect(h.engine.connectivity(now: t(400)).degraded.first?.reasons == ["reconnect-flapping"])
    }

    @Test("Offline after silence past interval × grace, measured from the last message; back on any message")
    func silence() {
        var configuration = HealthConfiguration()
        configuration.offlineGrace = 2
        var h = EngineHarness(configuration: configuration)
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.boot("CP1", interval: 30, at: t(0))
        h.heartbeat("CP1", at: t(30))
        h.tick(t(90))      // exactly at the deadline: still online
        #expect(h.bucket("CP1") == .available)
        h.tick(t(90.5))
        #expect(h.bucket("CP1") == .offline)
        #expect(h.since("CP1") == t(90))
        #expect(h.published["CP1"]?.online == false)
        h.heartbeat("CP1", at: t(100))
        #expect(h.bucket("CP1") == .available)
        #expect(h.since("CP1") == t(100))
        // The silence counted a missed beat: gap 60 s at interval 30 → 1.
        #expect(h.published["CP1"]?.missedHeartbeats24h == 1)
    }

    @Test("The bridge's last will puts its chargers Offline; they come back when they reconnect to the restarted bridge")
    func bridgeWill() {
        var h = EngineHarness()
        h.register("CP1")
        h.register("CP2")
        h.online("CP1", at: t(10), bridge: "b1")
        h.online("CP2", at: t(10), bridge: "b2")
        h.bridge("b1", online: true, at: t(0), received: t(0))
        #expect(h.bucket("CP1") == .available)
        h.bridge("b1", online: false, at: nil, received: t(50))
        #expect(h.bucket("CP1") == .offline)
        #expect(h.since("CP1") == t(50))
        #expect(h.bucket("CP2") == .available)
        h.bridge("b1", online: true, at: t(60), received: t(60))
        #expect(h.bucket("CP1") == .offline, "the charger's retained state predates the bridge restart")
        #expect(h.engine.chargers["CP1"]?.evaluation?.reason.contains("not reconnected") == true)
        h.online("CP1", at: t(62), bridge: "b1")
        #expect(h.bucket("CP1") == .available)
    }

    @Test("Old and duplicate messages do not move a charger back")
    func staleMessages() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(10))
        h.offline("CP1", at: t(20))
        h.online("CP1", at: t(10))   // a late duplicate of the older state
        #expect(h.bucket("CP1") == .offline)
        h.online("CP1", at: t(30))
        h.status("CP1", 1, "Faulted", at: t(40))
        h.status("CP1", 1, "Available", at: t(35))
        #expect(h.bucket("CP1") == .faulted)
    }

    @Test("Site and class come from info, and config overrides win")
    func siteAndClass() {
        var configuration = HealthConfiguration()
        configuration.chargerOverrides["CP2"] = .init(site: "north", class: "L3")
        var h = EngineHarness(configuration: configuration)
        h.register("CP1", site: "south", class: "L3")
        h.register("CP2", site: "south", class: "L2")
        h.online("CP1", at: t(1))
        h.online("CP2", at: t(1))
        h.status("CP2", 1, "Faulted", at: t(2))
        let (fleet, sites) = h.engine.summaries(now: t(3))
        #expect(fleet.all.total == 2)
        #expect(fleet.L3.available == 1)
        #expect(fleet.L3.faulted == 1)
        #expect(fleet.L2.total == 0)
        #expect(sites["south"]?.all.available == 1)
        #expect(sites["north"]?.all.faulted == 1)
        #expect(h.published["CP2"]?.site == "north")
    }

    @Test("The problem list: Offline, then Faulted, then WeakSignal, oldest first")
    func problemsOrder() {
        var h = EngineHarness()
        for id in ["A", "B", "C", "D", "E"] { h.register(id); h.online(id, at: t(1)) }
        h.status("A", 1, "Faulted", at: t(20))
        h.status("B", 1, "Available", error: "WeakSignal", at: t(5))
        h.offline("C", at: t(30))
        h.status("D", 1, "Faulted", at: t(10))
        h.status("E", 1, "Charging", at: t(10))
        let problems = h.engine.problems(now: t(40))
        #expect(problems.problems.map(\.chargerId) == ["C", "D", "A", "B"])
        #expect(problems.count == 4)
    }

    @Test("A charger removed from the registry is cleared and its removal stored")
    func removal() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(1))
        h.start("CP1", connector: 1, tx: 5, at: t(2))
        h.apply(.info(chargerID: "CP1", nil), at: t(3))
        #expect(h.engine.chargers["CP1"] == nil)
        #expect(h.transitions.last?.to == nil)
        #expect(h.sessions["CP1/1"] == .some(nil))
    }

    @Test("Charger health is republished when it changes, and for lastSeen alone at most every lastSeenRefreshS")
    func coalescing() {
        var configuration = HealthConfiguration()
        configuration.lastSeenRefreshS = 60
        configuration.offlineGrace = 100
        var h = EngineHarness(configuration: configuration)
        h.register("CP1")
        h.online("CP1", at: t(0))
        var count = 0
        for second in stride(from: 1.0, through: 59, by: 1) {
            h.engine.apply(.heartbeat(chargerID: "CP1", at: t(second)), now: t(second))
            count += h.engine.drain(now: t(second)).chargerHealth.count
        }
        #expect(count <= 1, "heartbeats only move lastSeen and the averages (rounded): \(count)")
        h.engine.apply(.heartbeat(chargerID: "CP1", at: t(61)), now: t(61))
        #expect(h.engine.drain(now: t(61)).chargerHealth.count == 1)
    }

    @Test("Only inputs that change what subscribers see wake the publisher at once")
    func urgency() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(0))
        let heartbeat = h.engine.apply(.heartbeat(chargerID: "CP1", at: t(1)), now: t(1))
        let preparing = h.engine.apply(.connectorStatus(chargerID: "CP1", connector: 1,
                                                        ConnectorStatus(at: t(2), status: "Preparing", errorCode: "NoError")), now: t(2))
        let faulted = h.engine.apply(.connectorStatus(chargerID: "CP1", connector: 1,
                                                      ConnectorStatus(at: t(3), status: "Faulted", errorCode: "GroundFailure")), now: t(3))
        let later = h.engine.apply(.heartbeat(chargerID: "CP1", at: t(4)), now: t(4))
        #expect(!heartbeat && preparing && faulted && !later)
    }
}
