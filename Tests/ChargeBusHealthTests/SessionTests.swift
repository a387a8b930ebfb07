import ChargeBusContract
@testable import ChargeBusHealth
import Foundation
import Testing

@Suite("Live sessions")
struct SessionTests {
    @Test("Start, meter readings, stop: the retained session follows and is cleared")
    func lifecycle() throws {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.start("CP1", connector: 1, tx: 42, at: t(10), tag: "04A2")
        h.status("CP1", 1, "Charging", at: t(11))
        var session = try #require(h.sessions["CP1/1"] ?? nil)
        #expect(session.transactionId == .int(42))
        #expect(session.idTag == "04A2")
        #expect(session.startedAt == t(10))
        #expect(session.energyWh == 0)
        h.apply(.meter(chargerID: "CP1", connector: 1, MeterReading(
            at: t(70), receivedAt: t(70.2), energyWh: 4000, powerW: 22_000, soc: 55, transactionId: .int(42),
            sessionEnergyWh: 3000, register: .absolute)), at: t(70.2))
        session = try #require(h.sessions["CP1/1"] ?? nil)
        #expect(session.energyWh == 3000)
        #expect(session.powerW == 22_000)
        #expect(session.soc == 55)
        #expect(abs(session.durationS - 60.2) < 0.001)
        // An invalid reading never counts as energy.
        h.apply(.meter(chargerID: "CP1", connector: 1, MeterReading(
            at: t(80), receivedAt: t(80), energyWh: 1, powerW: 21_000, transactionId: .int(42), valid: false,
            invalidReason: "register-decreased")), at: t(80))
        session = try #require(h.sessions["CP1/1"] ?? nil)
        #expect(session.energyWh == 3000)
        #expect(session.powerW == 21_000)
        h.stop("CP1", connector: 1, tx: 42, at: t(90))
        #expect(h.sessions["CP1/1"] == .some(nil))
    }

    @Test("A session restored from the retained topic keeps the charger Charging after a restart and is cleared on stop")
    func restored() {
        var h = EngineHarness(settleAt: nil)
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.apply(.connectorStatus(chargerID: "CP1", connector: 1, ConnectorStatus(at: t(5), status: "SuspendedEV", errorCode: "NoError")), at: t(100))
        h.apply(.restoredSession(chargerID: "CP1", connector: 1, LiveSession(
            chargerId: "CP1", connector: 1, transactionId: .int(9), startedAt: t(4), energyWh: 120, at: t(50))), at: t(100))
        h.settle(t(100))
        #expect(h.bucket("CP1") == .charging)
        #expect(h.sessions["CP1/1"] == nil, "a restored session is not republished unchanged")
        h.stop("CP1", connector: 1, tx: 9, at: t(120))
        #expect(h.sessions["CP1/1"] == .some(nil))
        #expect(h.bucket("CP1") == .available)
    }

    @Test("A session whose stop was lost ends when the connector reports Available")
    func lostStop() {
        var h = EngineHarness()
        h.register("CP1")
        h.online("CP1", at: t(0))
        h.start("CP1", connector: 2, tx: 1, at: t(1))
        h.status("CP1", 2, "Available", at: t(500))
        #expect(h.sessions["CP1/2"] == .some(nil))
    }
}
