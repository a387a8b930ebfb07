import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusCommands

@Suite struct SessionLimitTests {
    func session(_ limit: SessionLimit, id: String = "rs1") -> LimitedSession {
        LimitedSession(requestId: id, chargerID: "CP", connector: 1, idTag: "TAG", limit: limit, acceptedAt: t0)
    }

    @Test func minutesLimitStopsTheSession() {
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.minutes(30)))
        #expect(l.tick(now: t0 + 60).isEmpty)
        #expect(l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(7), idTag: "TAG", now: t0 + 10) == ["rs1"])
        #expect(l.sessions["rs1"]?.stopsAt == t0 + 10 + 1800)
        #expect(l.tick(now: t0 + 1809).isEmpty)
        let actions = l.tick(now: t0 + 1810)
        guard case .stop(let id, let cp, let tx, let reason)? = actions.first else { Issue.record("no stop"); return }
        #expect(id == "rs1" && cp == "CP" && tx == .int(7))
        #expect(reason.contains("30-minute"))
        #expect(l.tick(now: t0 + 1811).isEmpty)  // no second stop while the first is pending
        #expect(l.transactionStopped(chargerID: "CP", transactionId: .int(7)) == [.forget(requestId: "rs1", note: "the session stopped after the limit was reached")])
        #expect(l.sessions.isEmpty)
    }

    @Test func an201SessionWithAStringTransactionIDIsStoppedToo() {
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.minutes(10)))
        #expect(l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .string("tx-201"), idTag: "TAG", now: t0 + 5) == ["rs1"])
        #expect(l.meter(chargerID: "CP", transactionId: .string("tx-201"), sessionEnergyWh: 500) == ["rs1"])
        guard case .stop(_, _, let tx, _)? = l.tick(now: t0 + 605).first else { Issue.record("no stop"); return }
        #expect(tx == .string("tx-201"))
        #expect(l.transactionStopped(chargerID: "CP", transactionId: .string("tx-201")).count == 1)
    }

    @Test func amountLimitUsesTheTariff() {
        var l = SessionLimiter(startTimeout: 120)
        // 1 EUR per session + 0.5 EUR/kWh: 5 EUR is reached at 8 kWh.
        l.add(session(.amount(5, Tariff(currency: "EUR", perKWh: 0.5, perSession: 1))))
        _ = l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(9), idTag: nil, now: t0)
        #expect(l.meter(chargerID: "CP", transactionId: .int(9), sessionEnergyWh: 7_999) == ["rs1"])
        #expect(l.tick(now: t0 + 600).isEmpty)
        _ = l.meter(chargerID: "CP", transactionId: .int(9), sessionEnergyWh: 8_000)
        #expect(l.tick(now: t0 + 660).count == 1)
    }

    @Test func perMinuteTariffStopsWithoutEnergy() {
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.amount(3, Tariff(perKWh: 0, perMinute: 0.1))))
        _ = l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(1), idTag: "TAG", now: t0)
        #expect(l.tick(now: t0 + 1799).isEmpty)
        #expect(l.tick(now: t0 + 1800).count == 1)
    }

    @Test func earlyStopAndNoStart() {
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.minutes(30), id: "a"))
        l.add(LimitedSession(requestId: "b", chargerID: "CP", connector: 2, idTag: "T", limit: .minutes(5), acceptedAt: t0))
        _ = l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(1), idTag: "TAG", now: t0)
        #expect(l.transactionStopped(chargerID: "CP", transactionId: .int(1)) == [.forget(requestId: "a", note: "the session stopped before its limit")])
        guard case .forget("b", _)? = l.tick(now: t0 + 120).first else { Issue.record("b should be forgotten"); return }
        #expect(l.sessions.isEmpty)
    }

    @Test func refusedStopIsRetriedThenGivenUp() {
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.minutes(1)))
        _ = l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(3), idTag: "TAG", now: t0)
        var now = t0 + 60
        #expect(l.tick(now: now).count == 1)
        for _ in 0..<4 {
            l.stopAnswered(requestId: "rs1", accepted: false, now: now)
            #expect(l.tick(now: now + 29).isEmpty)
            now += 30
            guard case .stop? = l.tick(now: now).first else { Issue.record("expected a retry"); return }
        }
        now += 30
        guard case .forget? = l.tick(now: now).first else { Issue.record("expected to give up"); return }
    }

    @Test func restartKeepsTheTimer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmdtest-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var l = SessionLimiter(startTimeout: 120)
        l.add(session(.minutes(10)))
        _ = l.transactionStarted(chargerID: "CP", connector: 1, transactionId: .int(5), idTag: "TAG", now: t0)
        try CommandStore(directory: dir).save(l.sessions["rs1"]!)
        // "Restart": a new store on the same file, a new limiter from it.
        var restored = SessionLimiter(startTimeout: 120, sessions: try CommandStore(directory: dir).limitedSessions())
        #expect(restored.sessions["rs1"]?.stopsAt == t0 + 600)
        #expect(restored.tick(now: t0 + 600).count == 1)
    }
}
