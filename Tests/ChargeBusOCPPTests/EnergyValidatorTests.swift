import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

@Suite struct EnergyValidatorTests {
    let t0 = date("2024-05-01T10:00:00Z")

    private func reading(_ minutes: Double, _ energyWh: Double?, transactionId: TransactionID? = .int(1)) -> MeterReading {
        let at = t0.addingTimeInterval(minutes * 60)
        return MeterReading(at: at, receivedAt: at, energyWh: energyWh, transactionId: transactionId)
    }

    @Test func absoluteRegister() {
        var validator = EnergyValidator(maxPowerW: 22_000)
        validator.startTransaction(meterStartWh: 100_000, at: t0)
        let first = validator.validate(reading(0, 100_000), meterStartWh: 100_000)
        #expect(first.valid)
        #expect(first.register == .absolute)
        #expect(first.sessionEnergyWh == 0)
        let second = validator.validate(reading(10, 103_000), meterStartWh: 100_000)
        #expect(second.valid)
        #expect(second.invalidReason == nil)
        #expect(second.register == .absolute)
        #expect(second.sessionEnergyWh == 3000)
        #expect(validator.registerStyle == .absolute)
        #expect(validator.sessionEnergyWh == 3000)
        // meterStartWh can also come from startTransaction alone.
        let third = validator.validate(reading(20, 106_000), meterStartWh: nil)
        #expect(third.sessionEnergyWh == 6000)
    }

    @Test func olderReadingIsInvalidAndDoesNotUpdateState() {
        var validator = EnergyValidator(maxPowerW: nil)
        validator.startTransaction(meterStartWh: 0, at: t0)
        #expect(validator.validate(reading(10, 1000), meterStartWh: 0).valid)
        let older = validator.validate(reading(5, 500), meterStartWh: 0)
        #expect(!older.valid)
        #expect(older.invalidReason == "older-than-last-valid")
        #expect(older.sessionEnergyWh == nil)
        #expect(validator.lastValidAt == t0.addingTimeInterval(600))
        // Readings without energy are subject to the same rule.
        #expect(validator.validate(reading(9, nil), meterStartWh: 0).invalidReason == "older-than-last-valid")
        // The same timestamp is not older.
        #expect(validator.validate(reading(10, 1000), meterStartWh: 0).valid)
    }

    @Test func decreasingRegister() {
        var validator = EnergyValidator(maxPowerW: nil)
        validator.startTransaction(meterStartWh: 50_000, at: t0)
        #expect(validator.validate(reading(5, 51_000), meterStartWh: 50_000).valid)
        let lower = validator.validate(reading(10, 50_900), meterStartWh: 50_000)
        #expect(!lower.valid)
        #expect(lower.invalidReason == "register-decreased")
        #expect(lower.sessionEnergyWh == nil)
        let next = validator.validate(reading(15, 51_500), meterStartWh: 50_000)
        #expect(next.valid)
        #expect(next.sessionEnergyWh == 1500)
    }

    @Test func exceedingMaxPower() {
        var validator = EnergyValidator(maxPowerW: 11_000) // × 1.1 tolerance = 12.1 kW
        validator.startTransaction(meterStartWh: 0, at: t0)
        // 12 kW over one hour: within tolerance.
        #expect(validator.validate(reading(60, 12_000), meterStartWh: 0).valid)
        // 13 kWh in the next hour: 13 kW.
        let tooFast = validator.validate(reading(120, 25_000), meterStartWh: 0)
        #expect(!tooFast.valid)
        #expect(tooFast.invalidReason == "exceeds-max-power")
        // The first reading after the start is checked against meterStart at the start time.
        var fresh = EnergyValidator(maxPowerW: 7400)
        fresh.startTransaction(meterStartWh: 1000, at: t0)
        #expect(fresh.validate(reading(1, 5000), meterStartWh: 1000).invalidReason == "exceeds-max-power")
        // No limit configured: no power check.
        var unlimited = EnergyValidator(maxPowerW: nil)
        unlimited.startTransaction(meterStartWh: 0, at: t0)
        #expect(unlimited.validate(reading(1, 1_000_000), meterStartWh: 0).valid)
    }

    @Test func invalidReadingsDoNotUpdateState() {
        var validator = EnergyValidator(maxPowerW: 7400)
        validator.startTransaction(meterStartWh: 10_000, at: t0)
        #expect(validator.validate(reading(10, 11_000), meterStartWh: 10_000).valid)
        // A spike: rejected…
        #expect(validator.validate(reading(11, 90_000), meterStartWh: 10_000).invalidReason == "exceeds-max-power")
        // …so the next plausible reading compares with 11 000 Wh at minute 10, not with the spike.
        let next = validator.validate(reading(20, 12_000), meterStartWh: 10_000)
        #expect(next.valid)
        #expect(next.sessionEnergyWh == 2000)
        #expect(validator.lastValidAt == t0.addingTimeInterval(1200))
        // A reading already invalid is passed through and ignored.
        var flagged = reading(30, 50)
        flagged.valid = false
        flagged.invalidReason = "upstream"
        let passed = validator.validate(flagged, meterStartWh: 10_000)
        #expect(!passed.valid)
        #expect(passed.invalidReason == "upstream")
        #expect(validator.validate(reading(30, 13_000), meterStartWh: 10_000).sessionEnergyWh == 3000)
    }

    @Test func sessionRelativeRegister() {
        var validator = EnergyValidator(maxPowerW: 22_000)
        validator.startTransaction(meterStartWh: 2_000_000, at: t0)
        let first = validator.validate(reading(5, 800), meterStartWh: 2_000_000)
        #expect(first.valid)
        #expect(first.register == .relative)
        #expect(first.sessionEnergyWh == 800)
        #expect(validator.registerStyle == .relative)
        let second = validator.validate(reading(10, 1600), meterStartWh: 2_000_000)
        #expect(second.register == .relative)
        #expect(second.sessionEnergyWh == 1600)
        let lower = validator.validate(reading(15, 1500), meterStartWh: 2_000_000)
        #expect(lower.invalidReason == "register-decreased")
        // The relative register is power-checked from 0 at the start too.
        var fast = EnergyValidator(maxPowerW: 3700)
        fast.startTransaction(meterStartWh: 500_000, at: t0)
        #expect(fast.validate(reading(10, 5000), meterStartWh: 500_000).invalidReason == "exceeds-max-power")
    }

    @Test func absoluteAtStartAndStopRelativeInBetween() {
        var validator = EnergyValidator(maxPowerW: 11_000)
        validator.startTransaction(meterStartWh: 1_000_000, at: t0)
        let begin = validator.validate(reading(0, 1_000_000), meterStartWh: 1_000_000) // Transaction.Begin, absolute
        #expect(begin.valid)
        #expect(begin.register == .absolute)
        #expect(begin.sessionEnergyWh == 0)
        #expect(validator.registerStyle == nil) // not decided by a reading equal to meterStart
        let periodic = validator.validate(reading(15, 2500), meterStartWh: 1_000_000)
        #expect(periodic.valid)
        #expect(periodic.register == .relative)
        #expect(periodic.sessionEnergyWh == 2500)
        let periodic2 = validator.validate(reading(30, 5000), meterStartWh: 1_000_000)
        #expect(periodic2.sessionEnergyWh == 5000)
        let end = validator.validate(reading(31, 1_005_100), meterStartWh: 1_000_000) // Transaction.End, absolute
        #expect(end.valid)
        #expect(end.register == .absolute)
        #expect(end.sessionEnergyWh == 5100)
        // A reading above meterStart whose absolute reading (2000) would fall below the session so far (3000)
        // is read as relative.
        var other = EnergyValidator(maxPowerW: nil)
        other.startTransaction(meterStartWh: 1_000_000, at: t0)
        _ = other.validate(reading(10, 3000), meterStartWh: 1_000_000)
        let ambiguous = other.validate(reading(20, 1_002_000), meterStartWh: 1_000_000)
        #expect(ambiguous.register == .relative)
        #expect(ambiguous.valid) // no power limit configured to catch the jump
        #expect(ambiguous.sessionEnergyWh == 1_002_000)
    }

    @Test func smallMeterStartDoesNotConfuseRelativeReadings() {
        // A new charger: absolute register at 500 Wh, yet it reports relative values.
        var validator = EnergyValidator(maxPowerW: nil)
        validator.startTransaction(meterStartWh: 500, at: t0)
        #expect(validator.validate(reading(5, 300), meterStartWh: 500).register == .relative)
        let past = validator.validate(reading(10, 700), meterStartWh: 500)
        // 700 − 500 = 200 would go below 300: stays relative.
        #expect(past.register == .relative)
        #expect(past.sessionEnergyWh == 700)
    }

    @Test func noTransactionKnown() {
        var validator = EnergyValidator(maxPowerW: 7400)
        let first = validator.validate(reading(0, 10_000, transactionId: nil), meterStartWh: nil)
        #expect(first.valid)
        #expect(first.register == .absolute)
        #expect(first.sessionEnergyWh == nil)
        #expect(validator.validate(reading(60, 9000, transactionId: nil), meterStartWh: nil).invalidReason == "register-decreased")
        #expect(validator.validate(reading(60, 20_000, transactionId: nil), meterStartWh: nil).invalidReason == "exceeds-max-power")
        #expect(validator.validate(reading(60, 17_000, transactionId: nil), meterStartWh: nil).valid)
    }

    @Test func meterStartGivenOnlyToValidate() {
        var validator = EnergyValidator(maxPowerW: nil)
        let first = validator.validate(reading(0, 40_500), meterStartWh: 40_000)
        #expect(first.sessionEnergyWh == 500)
        #expect(first.register == .absolute)
    }

    @Test func relativeChargerAcrossTransactions() {
        // meterStart 0 every session, register restarts at 0: each session starts afresh.
        var validator = EnergyValidator(maxPowerW: 22_000)
        validator.startTransaction(meterStartWh: 0, at: t0)
        #expect(validator.validate(reading(30, 5000), meterStartWh: 0).sessionEnergyWh == 5000)
        validator.endTransaction()
        #expect(validator.sessionEnergyWh == nil)
        validator.startTransaction(meterStartWh: 0, at: t0.addingTimeInterval(3600))
        let next = validator.validate(reading(70, 400), meterStartWh: 0)
        #expect(next.valid)
        #expect(next.sessionEnergyWh == 400)
    }

    @Test func readingsWithoutEnergy() {
        var validator = EnergyValidator(maxPowerW: 7400)
        var powerOnly = reading(5, nil)
        powerOnly.powerW = 7000
        let out = validator.validate(powerOnly, meterStartWh: nil)
        #expect(out.valid)
        #expect(out.powerW == 7000)
        #expect(out.sessionEnergyWh == nil)
        #expect(validator.lastValidAt == t0.addingTimeInterval(300))
    }

    @Test func sameTimestampAllowsOnlyRoundingSlack() {
        var validator = EnergyValidator(maxPowerW: 7400)
        validator.startTransaction(meterStartWh: 0, at: t0)
        #expect(validator.validate(reading(10, 1000), meterStartWh: 0).valid)
        #expect(validator.validate(reading(10, 1001), meterStartWh: 0).valid)
        #expect(validator.validate(reading(10, 1100), meterStartWh: 0).invalidReason == "exceeds-max-power")
    }
}
