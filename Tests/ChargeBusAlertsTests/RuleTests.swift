import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusAlerts

@Suite struct DisconnectedRuleTests {
    @Test func firesAfterHoldAndResolvesAfterKeepFiring() {
        var e = engine([.disconnected: { $0.forS = 600; $0.keepFiringForS = 120 }])
        #expect(e.handle(.state(charger: "CP1", online(0)), now: at(0)).isEmpty)
        #expect(e.handle(.state(charger: "CP1", offline(10)), now: at(10)).isEmpty)
        #expect(e.nextDeadline == at(610))
        #expect(e.tick(now: at(609)).isEmpty)
        let fired = e.tick(now: at(610)).events(.firing)
        #expect(fired.count == 1)
        let alert = fired[0].alert
        #expect(alert.rule == "disconnected" && alert.connector == 0 && alert.since == at(10) && alert.firedAt == at(610))
        #expect(alert.id == AlertPayload.makeID(charger: "CP1", connector: 0, rule: "disconnected"))
        #expect(alert.details.values?["offlineS"] == 600)
        // Back online: keeps firing for 120 s, then resolves.
        #expect(e.handle(.state(charger: "CP1", online(700)), now: at(700)).events.isEmpty)
        #expect(e.tick(now: at(819)).events.isEmpty)
        let resolved = e.tick(now: at(820)).events(.resolved)
        #expect(resolved.count == 1 && resolved[0].alert.resolvedAt == at(820) && resolved[0].alert.state == .resolved)
    }

    @Test func keepFiringHysteresisAbsorbsFlaps() {
        var e = engine([.disconnected: { $0.forS = 60; $0.keepFiringForS = 120 }])
        _ = e.handle(.state(charger: "CP1", offline(0)), now: at(0))
        #expect(e.tick(now: at(60)).events(.firing).count == 1)
        // Flapping connection: online/offline every 30 s, never clear for 120 s → no new event.
        var all: [AlertEvent] = []
        for k in 0..<10 {
            let t = 100 + Double(k) * 60
            all += e.handle(.state(charger: "CP1", online(t)), now: at(t)).events
            all += e.tick(now: at(t + 29)).events
            all += e.handle(.state(charger: "CP1", offline(t + 30)), now: at(t + 30)).events
        }
        #expect(all.isEmpty)
        #expect(e.live.count == 1)
    }

    @Test func offlineShorterThanHoldNeverFires() {
        var e = engine([.disconnected: { $0.forS = 600 }])
        _ = e.handle(.state(charger: "CP1", offline(0)), now: at(0))
        _ = e.handle(.state(charger: "CP1", online(599)), now: at(599))
        #expect(e.tick(now: at(2000)).isEmpty)
    }

    @Test func bridgeLastWillTakesItsChargersOffline() {
        var e = engine([.disconnected: { $0.forS = 60 }])
        _ = e.handle(.state(charger: "CP1", online(0)), now: at(0))
        _ = e.handle(.state(charger: "CP2", .online(at: at(0), bridge: "other", protocol: "ocpp1.6", remote: "x")), now: at(0))
        _ = e.handle(.bridge(BridgeState(online: false, bridge: "b1", reason: "connection-lost")), now: at(100))
        let fired = e.tick(now: at(160)).events(.firing)
        #expect(fired.map(\.alert.charger) == ["CP1"])
        #expect(fired.first?.alert.since == at(100))
    }

    @Test func retainedRedeliveryDoesNotResetSince() {
        var e = engine([.disconnected: { $0.forS = 600 }])
        _ = e.handle(.state(charger: "CP1", offline(0)), now: at(0))
        _ = e.handle(.state(charger: "CP1", offline(0)), now: at(300))
        #expect(e.tick(now: at(600)).events(.firing).first?.alert.since == at(0))
    }

    @Test func chargerRemovedFromTheRegistryIsForgotten() {
        var e = engine([.disconnected: { $0.forS = 600 }])
        _ = e.handle(.state(charger: "CP1", offline(0)), now: at(0))
        _ = e.handle(.info(charger: "CP1", nil), now: at(1))
        #expect(e.tracks["CP1"] == nil)
        #expect(e.takeDirty().contains { $0.0 == "CP1" && $0.1 == nil })
        #expect(e.tick(now: at(1000)).isEmpty)
    }

    @Test func newIncidentAfterResolveKeepsTheIdAndCountsUp() {
        var e = engine([.disconnected: { $0.forS = 0; $0.keepFiringForS = 0 }])
        let a = e.handle(.state(charger: "CP1", offline(0)), now: at(0)).events(.firing)
        _ = e.handle(.state(charger: "CP1", online(10)), now: at(10))
        let b = e.handle(.state(charger: "CP1", offline(20)), now: at(20)).events(.firing)
        #expect(a.count == 1 && b.count == 1)
        #expect(a[0].alert.id == b[0].alert.id)
        #expect(a[0].alert.incident == 1 && b[0].alert.incident == 2)
    }
}

@Suite struct RestartTests {
    @Test func restartInTheMiddleOfAPendingPeriodFiresOnceOnTime() {
        var first = engine([.disconnected: { $0.forS = 600 }])
        _ = first.handle(.state(charger: "CP1", offline(0)), now: at(0))
        let tracks = Dictionary(uniqueKeysWithValues: first.takeDirty().compactMap { k, v in v.map { (k, $0) } })
        // The daemon stops at 300 s and starts again at 400 s.
        var second = engine([.disconnected: { $0.forS = 600 }])
        #expect(second.restore(tracks: tracks, liveAlerts: [], incidents: [:], silences: [], now: at(400)).isEmpty)
        // The retained state comes again after the resubscribe: it must not restart the period.
        #expect(second.handle(.state(charger: "CP1", offline(0)), now: at(401)).isEmpty)
        #expect(second.nextDeadline == at(600))
        #expect(second.tick(now: at(599)).isEmpty)
        let fired = second.tick(now: at(600)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.since == at(0))
    }

    @Test func restartAfterTheHoldFiresAtOnceWithTheOriginalSince() {
        var first = engine([.faulted: { $0.forS = 120 }])
        _ = first.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0, error: "GroundFailure")), now: at(0))
        let tracks = Dictionary(uniqueKeysWithValues: first.takeDirty().compactMap { k, v in v.map { (k, $0) } })
        var second = engine([.faulted: { $0.forS = 120 }])
        let fired = second.restore(tracks: tracks, liveAlerts: [], incidents: [:], silences: [], now: at(1000)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.since == at(0) && fired[0].alert.firedAt == at(1000))
    }

    @Test func firingAlertSurvivesRestartWithoutDuplicate() {
        var first = engine([.faulted: { $0.forS = 0; $0.keepFiringForS = 60 }])
        let fired = first.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0)).events(.firing)
        #expect(fired.count == 1)
        let tracks = Dictionary(uniqueKeysWithValues: first.takeDirty().compactMap { k, v in v.map { (k, $0) } })
        var second = engine([.faulted: { $0.forS = 0; $0.keepFiringForS = 60 }])
        let restored = second.restore(tracks: tracks, liveAlerts: Array(first.live.values), incidents: first.incidents, silences: [], now: at(500))
        #expect(restored.events.isEmpty)
        // The status is re-delivered (retained) and the fault is cleared later: one resolve, same incident.
        #expect(second.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(501)).events.isEmpty)
        _ = second.handle(.status(charger: "CP1", connector: 1, status("Available", 600)), now: at(600))
        let resolved = second.tick(now: at(660)).events(.resolved)
        #expect(resolved.count == 1 && resolved[0].alert.incident == 1)
    }

    @Test func conditionThatEndedDuringTheDowntimeDoesNotFire() {
        var first = engine([.disconnected: { $0.forS = 600 }])
        _ = first.handle(.state(charger: "CP1", offline(0)), now: at(0))
        let tracks = Dictionary(uniqueKeysWithValues: first.takeDirty().compactMap { k, v in v.map { (k, $0) } })
        // Down from 300 s to 2000 s; the charger came back at 900 s, queued by the persistent session.
        var second = engine([.disconnected: { $0.forS = 600 }])
        #expect(second.restore(tracks: tracks, liveAlerts: [], incidents: [:], silences: [], now: at(2000), evaluateAt: at(2003)).isEmpty)
        #expect(second.handle(.state(charger: "CP1", online(900)), now: at(2000.5)).isEmpty)
        #expect(second.tick(now: at(2003)).isEmpty)
        // Without the queued message it would have fired at the settle time.
        var third = engine([.disconnected: { $0.forS = 600 }])
        _ = third.restore(tracks: tracks, liveAlerts: [], incidents: [:], silences: [], now: at(2000), evaluateAt: at(2003))
        #expect(third.tick(now: at(2003)).events(.firing).first?.alert.since == at(0))
    }

    @Test func alertClearedWhileTheDaemonWasDownResolvesAfterRestart() {
        var first = engine([.faulted: { $0.forS = 0; $0.keepFiringForS = 0 }])
        _ = first.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0))
        var tracks = Dictionary(uniqueKeysWithValues: first.takeDirty().compactMap { k, v in v.map { (k, $0) } })
        tracks["CP1"]?.connectors[1]?.status = "Available"
        var second = engine([.faulted: { $0.forS = 0; $0.keepFiringForS = 0 }])
        let actions = second.restore(tracks: tracks, liveAlerts: Array(first.live.values), incidents: first.incidents, silences: [], now: at(100))
        #expect(actions.events(.resolved).count == 1)
    }
}

@Suite struct FaultedRuleTests {
    @Test func carriesErrorCodeAndTranslatedVendorCode() {
        var e = engine([.faulted: { $0.forS = 120 }], codes: sampleCodes)
        _ = e.handle(.status(charger: "CP1", connector: 2, status("Faulted", 0, error: "OtherError", vendorId: "com.evgo.mrec", code: "F003")), now: at(0))
        #expect(e.tick(now: at(119)).isEmpty)
        let alert = e.tick(now: at(120)).events(.firing)[0].alert
        #expect(alert.connector == 2 && alert.severity == .critical)
        #expect(alert.details.errorCode == "OtherError" && alert.details.vendorErrorCode == "F003")
        let t = alert.details.vendorCodes?.first
        #expect(t?.known == true && t?.text == "Pilot voltage low" && t?.action == "Inspect pilot wiring" && t?.vendor == "EVgo MREC")
        #expect(alert.summary.contains("Pilot voltage low"))
    }

    @Test func connectorZeroIsTheCharger() {
        var e = engine([.faulted: { $0.forS = 0 }])
        let alert = e.handle(.status(charger: "CP1", connector: 0, status("Faulted", 0, error: "InternalError")), now: at(0)).events(.firing)[0].alert
        #expect(alert.connector == 0 && alert.summary.hasPrefix("CP1 is Faulted: InternalError"))
    }

    @Test func twoConnectorsAreTwoAlerts() {
        var e = engine([.faulted: { $0.forS = 0 }])
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 2, status("Faulted", 0)), now: at(0))
        #expect(Set(e.live.values.map(\.payload.connector)) == [1, 2])
    }

    @Test func shortFaultNeverFires() {
        var e = engine([.faulted: { $0.forS = 120 }])
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Available", 100)), now: at(100))
        #expect(e.tick(now: at(1000)).isEmpty)
    }

    @Test func olderStatusDoesNotUndoNewer() {
        var e = engine([.faulted: { $0.forS = 0 }])
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 100)), now: at(100))
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Available", 50)), now: at(101)).events.isEmpty)
        #expect(e.live.count == 1)
    }

    @Test func unknownCodesAreCountedOncePerChangeAndShownRaw() {
        var e = engine([.faulted: { $0.forS = 0 }], codes: sampleCodes)
        let a = e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0, error: "OtherError", vendorId: "com.evgo.mrec", code: "F003,Z999")), now: at(0))
        #expect(a.unknownCodes == ["Z999"])
        let t = a.events(.firing)[0].alert.details.vendorCodes ?? []
        #expect(t.count == 2 && t[1].known == false && t[1].text == "Z999")
        // Re-delivered retained status: not counted again.
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0, error: "OtherError", vendorId: "com.evgo.mrec", code: "F003,Z999")), now: at(5)).unknownCodes.isEmpty)
        // Normal-operation codes are never unknown.
        #expect(e.handle(.status(charger: "CP2", connector: 1, status("Available", 0, vendorId: "ABB", code: "0x00")), now: at(5)).unknownCodes.isEmpty)
        // A vendor without a table: raw and counted.
        #expect(e.handle(.status(charger: "CP3", connector: 1, status("Available", 0, vendorId: "com.kempower", code: "E42")), now: at(5)).unknownCodes == ["E42"])
    }
}

@Suite struct CodeTranslationTests {
    @Test func exactRangePrefixAndBootVendor() {
        #expect(sampleCodes.translate(vendorId: "com.evgo.mrec", code: "f003")[0].text == "Pilot voltage low")
        #expect(sampleCodes.translate(vendorId: "COM.EVGO.MREC", code: "F077")[0].text == "Safety fault")
        #expect(sampleCodes.translate(vendorId: "alpitronic", code: "026")[0].text == "Isolation fault")
        #expect(sampleCodes.translate(vendorId: "alpitronic", code: "01")[0].text == "PLC communication error")
        #expect(sampleCodes.translate(vendorId: nil, code: "25", bootVendor: "Alpitronic")[0].severity == .critical)
        #expect(sampleCodes.translate(vendorId: "alpitronic", code: "30")[0].known == false)
        #expect(sampleCodes.translate(vendorId: "com.evgo.mrec", code: "A003, F003").map(\.code) == ["A003", "F003"])
    }
}

@Suite struct VendorCodeRuleTests {
    @Test func chosenCodeSurfacesWhileCharging() {
        var e = engine([.vendorCode: { $0.codes = ["https://chargex.inl.gov/CX018"]; $0.minCodeSeverity = nil; $0.keepFiringForS = 0 }], codes: sampleCodes)
        let fired = e.handle(.status(charger: "CP1", connector: 1, status("Charging", 0, vendorId: "https://chargex.inl.gov", code: "CX018")), now: at(0)).events(.firing)
        #expect(fired.count == 1)
        #expect(fired[0].alert.severity == .minor)  // from the code table
        #expect(fired[0].alert.summary.contains("Cable over-temperature"))
        let resolved = e.handle(.status(charger: "CP1", connector: 1, status("Charging", 10)), now: at(10)).events(.resolved)
        #expect(resolved.count == 1)
    }

    @Test func severityThresholdAndFaultedExclusion() {
        var e = engine([.vendorCode: { $0.minCodeSeverity = .critical }], codes: sampleCodes)
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Available", 0, vendorId: "https://chargex.inl.gov", code: "CX018")), now: at(0)).events.isEmpty)
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Available", 1, vendorId: "https://chargex.inl.gov", code: "CX002")), now: at(1)).events(.firing).count == 1)
        // Faulted belongs to the faulted rule: no double alert.
        var f = engine([.vendorCode: { $0.minCodeSeverity = .critical }], codes: sampleCodes)
        #expect(f.handle(.status(charger: "CP1", connector: 1, status("Faulted", 0, vendorId: "https://chargex.inl.gov", code: "CX002")), now: at(0)).events.isEmpty)
    }

    @Test func anyVendorWildcard() {
        var e = engine([.vendorCode: { $0.codes = ["*/E42"]; $0.minCodeSeverity = nil }])
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Available", 0, vendorId: "com.kempower", code: "E42")), now: at(0)).events(.firing).count == 1)
    }
}

@Suite struct SocStallRuleTests {
    @Test func lowSocWithoutProgressFiresAndProgressResolves() {
        var e = engine([.socStall: { $0.forS = 1200; $0.socBelow = 40; $0.keepFiringForS = 0 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(10, soc: 30)), now: at(10))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(600, soc: 30.5)), now: at(600))  // < 1 %: no progress
        #expect(e.tick(now: at(1209)).isEmpty)
        let fired = e.tick(now: at(1210)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.since == at(10) && fired[0].alert.details.values?["soc"] == 30.5)
        let resolved = e.handle(.meter(charger: "CP1", connector: 1, meter(1300, soc: 32)), now: at(1300)).events(.resolved)
        #expect(resolved.count == 1)
    }

    @Test func steadyProgressOrHighSocNeverFires() {
        var e = engine([.socStall: { $0.forS = 1200 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        for k in 0..<30 {
            _ = e.handle(.meter(charger: "CP1", connector: 1, meter(Double(k) * 300, soc: 10 + Double(k))), now: at(Double(k) * 300))
            #expect(e.tick(now: at(Double(k) * 300 + 299)).isEmpty)
        }
        var h = engine([.socStall: { $0.forS = 1200 }])
        _ = h.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = h.handle(.meter(charger: "CP1", connector: 1, meter(10, soc: 80)), now: at(10))
        #expect(h.tick(now: at(5000)).isEmpty)
    }

    @Test func stopResolvesAndOfflineSuppresses() {
        var e = engine([.socStall: { $0.forS = 60 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(1, soc: 20)), now: at(1))
        #expect(e.tick(now: at(61)).events(.firing).count == 1)
        _ = e.handle(.transaction(charger: "CP1", stopped(100)), now: at(100))
        #expect(e.tick(now: at(161)).events(.resolved).count == 1)
    }
}

@Suite struct EnergyStallRuleTests {
    @Test func registerNotMovingWhileCharging() {
        var e = engine([.energyStall: { $0.forS = 600; $0.keepFiringForS = 0 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Charging", 0)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(0, energy: 1000, power: 7000)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(300, energy: 1005, power: 7000)), now: at(300))
        #expect(e.tick(now: at(599)).isEmpty)
        let fired = e.tick(now: at(600)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.summary.contains("energy register stuck"))
        #expect(e.handle(.meter(charger: "CP1", connector: 1, meter(700, energy: 2000, power: 7000)), now: at(700)).events(.resolved).count == 1)
    }

    @Test func zeroPowerWhileTheRegisterMoves() {
        var e = engine([.energyStall: { $0.forS = 300; $0.keepFiringForS = 0 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Charging", 0)), now: at(0))
        var fired: [AlertEvent] = []
        for k in 0...6 {
            let t = Double(k) * 60
            fired += e.handle(.meter(charger: "CP1", connector: 1, meter(t, energy: 1000 + Double(k) * 100, power: 0)), now: at(t)).events(.firing)
        }
        // Power has been 0 W since 0 s although the register moves: fires at 300 s.
        #expect(fired.count == 1 && fired[0].alert.summary.contains("power at 0 W"))
    }

    @Test func notChargingDoesNotCount() {
        var e = engine([.energyStall: { $0.forS = 60 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("SuspendedEV", 0)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(0, energy: 1000, power: 0)), now: at(0))
        #expect(e.tick(now: at(1000)).isEmpty)
    }
}

@Suite struct FailedSessionsRuleTests {
    @Test func threeFailuresOfDifferentKindsWithinTheWindow() {
        var e = engine([.failedSessions: { $0.count = 3; $0.windowS = 3600; $0.minSessionS = 60; $0.minSessionEnergyWh = 50 }])
        // 1. Never started: Preparing → Available without a transaction.
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Preparing", 0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Available", 30)), now: at(30))
        // 2. Stopped with an error reason.
        _ = e.handle(.transaction(charger: "CP1", started(100, tx: 1)), now: at(100))
        #expect(e.handle(.transaction(charger: "CP1", stopped(1000, tx: 1, reason: "EmergencyStop")), now: at(1000)).events.isEmpty)
        // A good session does not count.
        _ = e.handle(.transaction(charger: "CP1", started(1100, tx: 2)), now: at(1100))
        #expect(e.handle(.transaction(charger: "CP1", stopped(2000, tx: 2, energy: 9000)), now: at(2000)).events.isEmpty)
        // 3. Too short.
        _ = e.handle(.transaction(charger: "CP1", started(2100, tx: 3)), now: at(2100))
        let fired = e.handle(.transaction(charger: "CP1", stopped(2120, tx: 3, energy: 1000)), now: at(2120)).events(.firing)
        #expect(fired.count == 1)
        let alert = fired[0].alert
        #expect(alert.connector == 0 && alert.details.values?["failedSessions"] == 3)
        #expect(alert.details.recent?.count == 3)
        #expect(alert.details.recent?[0].contains("never started") == true)
        // The first failure leaves the window at 3630: resolved.
        #expect(e.nextDeadline != nil)
        #expect(e.tick(now: at(3629)).events.isEmpty)
        #expect(e.tick(now: at(3631)).events(.resolved).count == 1)
    }

    @Test func startDeliveredBeforeTheStatusStillCountsByTime() {
        var e = engine([.failedSessions: { $0.count = 1 }])
        // Preparing → Available at 30 s, but the (later) start is handled first: different topics.
        _ = e.handle(.status(charger: "CP1", connector: 1, status("Preparing", 0)), now: at(0))
        _ = e.handle(.transaction(charger: "CP1", started(31)), now: at(31))
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Available", 30)), now: at(31)).events(.firing).count == 1)
        // A start inside the Preparing period: not a failure.
        var f = engine([.failedSessions: { $0.count = 1 }])
        _ = f.handle(.status(charger: "CP1", connector: 1, status("Preparing", 0)), now: at(0))
        _ = f.handle(.transaction(charger: "CP1", started(10)), now: at(10))
        #expect(f.handle(.status(charger: "CP1", connector: 1, status("Available", 30)), now: at(31)).events.isEmpty)
    }

    @Test func lowEnergyCountsAndSpreadOutFailuresDoNot() {
        var e = engine([.failedSessions: { $0.count = 3; $0.windowS = 3600 }])
        for k in 0..<3 {
            let t = Double(k) * 4000
            _ = e.handle(.transaction(charger: "CP1", started(t, tx: k)), now: at(t))
            #expect(e.handle(.transaction(charger: "CP1", stopped(t + 600, tx: k, energy: 10)), now: at(t + 600)).events.isEmpty)
        }
    }
}

@Suite struct WeakSignalRuleTests {
    @Test func weakSignalErrorCodeForTheHold() {
        var e = engine([.weakSignal: { $0.forS = 600; $0.keepFiringForS = 0 }])
        _ = e.handle(.status(charger: "CP1", connector: 0, status("Available", 0, error: "WeakSignal")), now: at(0))
        #expect(e.tick(now: at(599)).isEmpty)
        let fired = e.tick(now: at(600)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.details.errorCode == "WeakSignal")
        #expect(e.handle(.status(charger: "CP1", connector: 0, status("Available", 700)), now: at(700)).events(.resolved).count == 1)
    }

    @Test func reportedSignalBelowThreshold() {
        var e = engine([.weakSignal: { $0.forS = 60; $0.signalBelowDbm = -95; $0.keepFiringForS = 0 }])
        let weak = ChargerEvent(at: at(0), name: .dataTransfer, data: .object(["vendorId": .string("x"), "data": .string("{\"rssi\": -101}")]))
        _ = e.handle(.dataTransfer(charger: "CP1", weak), now: at(0))
        let fired = e.tick(now: at(60)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.details.values?["signalDbm"] == -101)
        let good = ChargerEvent(at: at(100), name: .dataTransfer, data: .object(["vendorId": .string("x"), "data": .object(["rssi": .number(-70)])]))
        #expect(e.handle(.dataTransfer(charger: "CP1", good), now: at(100)).events(.resolved).count == 1)
    }
}

@Suite struct SuspendedRuleTests {
    @Test func suspendedDuringATransaction() {
        var e = engine([.suspended: { $0.forS = 900; $0.keepFiringForS = 0 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.status(charger: "CP1", connector: 1, status("SuspendedEVSE", 100)), now: at(100))
        #expect(e.tick(now: at(999)).isEmpty)
        let fired = e.tick(now: at(1000)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.details.status == "SuspendedEVSE")
        #expect(e.handle(.status(charger: "CP1", connector: 1, status("Charging", 1100)), now: at(1100)).events(.resolved).count == 1)
    }

    @Test func suspendedWithoutTransactionOrNotListed() {
        var e = engine([.suspended: { $0.forS = 60 }])
        _ = e.handle(.status(charger: "CP1", connector: 1, status("SuspendedEV", 0)), now: at(0))
        #expect(e.tick(now: at(1000)).isEmpty)
        var f = engine([.suspended: { $0.forS = 60; $0.statuses = ["SuspendedEVSE"] }])
        _ = f.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = f.handle(.status(charger: "CP1", connector: 1, status("SuspendedEV", 0)), now: at(0))
        #expect(f.tick(now: at(1000)).isEmpty)
    }
}

@Suite struct FlappingRuleTests {
    @Test func bootLoopFiresAndCalmResolves() {
        var e = engine([.flapping: { $0.count = 5; $0.windowS = 900 }])
        _ = e.handle(.state(charger: "CP1", online(0)), now: at(0))  // first sight: not a reconnect
        var fired: [AlertEvent] = []
        for k in 1...5 {
            let t = Double(k) * 60
            _ = e.handle(.state(charger: "CP1", offline(t - 10)), now: at(t - 10))
            fired += e.handle(.state(charger: "CP1", online(t)), now: at(t)).events(.firing)
            // The boot right after the reconnect is the same restart.
            fired += e.handle(.boot(charger: "CP1", BootInfo(at: at(t + 1), vendor: "V", model: "M", intervalS: 60)), now: at(t + 1)).events(.firing)
        }
        #expect(fired.count == 1 && fired[0].alert.details.values?["reconnects"] == 5)
        #expect(e.tick(now: at(60 + 900)).events.isEmpty)
        #expect(e.tick(now: at(60 + 901)).events(.resolved).count == 1)
    }

    @Test func fourReconnectsAreNotAFlap() {
        var e = engine([.flapping: { $0.count = 5; $0.windowS = 900 }])
        _ = e.handle(.state(charger: "CP1", online(0)), now: at(0))
        for k in 1...4 {
            _ = e.handle(.state(charger: "CP1", offline(Double(k) * 60 - 10)), now: at(Double(k) * 60 - 10))
            #expect(e.handle(.state(charger: "CP1", online(Double(k) * 60)), now: at(Double(k) * 60)).events.isEmpty)
        }
    }
}

@Suite struct StaleSessionRuleTests {
    @Test func openTransactionWithoutMeterValues() {
        var e = engine([.staleSession: { $0.forS = 900 }])
        _ = e.handle(.transaction(charger: "CP1", started(0)), now: at(0))
        _ = e.handle(.meter(charger: "CP1", connector: 1, meter(100, energy: 10)), now: at(100))
        #expect(e.tick(now: at(999)).isEmpty)
        let fired = e.tick(now: at(1000)).events(.firing)
        #expect(fired.count == 1 && fired[0].alert.since == at(100) && fired[0].alert.details.transactionId == .int(1))
        #expect(e.handle(.meter(charger: "CP1", connector: 1, meter(1100, energy: 20)), now: at(1100)).events(.resolved).count == 1)
        _ = e.tick(now: at(2000))
        #expect(e.handle(.transaction(charger: "CP1", stopped(2001)), now: at(2001)).events(.resolved).count == 1)
    }
}
