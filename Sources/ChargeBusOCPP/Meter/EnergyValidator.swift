import ChargeBusContract
import Foundation

/// Validates the energy of successive meter readings of one connector. Pure and deterministic:
/// time comes only from the readings and the calls.
///
/// Rules, in this order (the first that fails gives `invalidReason`):
/// - `older-than-last-valid`: the reading's timestamp is before the last valid reading's
///   (readings without energy count too);
/// - `register-decreased`: the energy is below the last valid energy of the same register
///   style (absolute readings compare with absolute ones, session-relative with relative ones),
///   or the session energy would go down;
/// - `exceeds-max-power`: the energy added since the last valid energy reading implies more
///   than `maxPowerW × tolerance` (plus `registerResolutionWh` of rounding slack). Time
///   between identical timestamps counts as zero, so only the slack is allowed then.
/// Invalid readings never update the state. Readings already marked invalid are returned
/// unchanged (except that `sessionEnergyWh` and `register` are cleared) and ignored.
///
/// Register styles, when a transaction and its meterStart are known:
/// - absolute (lifetime register): `sessionEnergyWh = energyWh − meterStartWh`;
/// - session-relative: decided when meterStart > 0 and the first reading that differs from
///   meterStart is below it; then `sessionEnergyWh = energyWh`;
/// - absolute at start/stop with relative values in between: within a relative session, a
///   reading at or above meterStart whose absolute interpretation (`energyWh − meterStartWh`)
///   does not go below the session energy so far is taken as absolute (the Transaction.End
///   sample, say), and a reading equal to meterStart (the Transaction.Begin sample) as absolute
///   with session energy 0 before the style is known.
/// Without a known meterStart the register is treated as absolute and no session energy is given.
public struct EnergyValidator: Sendable {
    public let maxPowerW: Double?
    public let tolerance: Double
    /// Energy the register may gain beyond the power limit, for rounding of the register and of
    /// timestamps (whole seconds). Default 1 Wh.
    public let registerResolutionWh: Double

    struct Mark: Sendable, Hashable {
        var wh: Double
        var at: Date
    }

    struct Transaction: Sendable, Hashable {
        var meterStartWh: Double
        var startedAt: Date?
        var style: MeterReading.Register?
        var lastRelative: Mark?
        var lastSession: Mark?
    }

    /// Timestamp of the last valid reading.
    public private(set) var lastValidAt: Date?
    private var lastAbsolute: Mark?
    private var transaction: Transaction?

    public init(maxPowerW: Double?, tolerance: Double = 1.1, registerResolutionWh: Double = 1) {
        self.maxPowerW = maxPowerW
        self.tolerance = tolerance
        self.registerResolutionWh = registerResolutionWh
    }

    /// The session energy of the last valid reading of the current transaction, Wh.
    public var sessionEnergyWh: Double? { transaction?.lastSession?.wh }

    /// The register style detected for the current transaction, once known.
    public var registerStyle: MeterReading.Register? { transaction?.style }

    /// A transaction started (StartTransaction). `meterStartWh` becomes the absolute baseline,
    /// also for the power check of the first reading.
    public mutating func startTransaction(meterStartWh: Double, at: Date) {
        transaction = Transaction(meterStartWh: meterStartWh, startedAt: at)
        lastAbsolute = Mark(wh: meterStartWh, at: at)
    }

    /// The transaction ended: session state is dropped; the absolute register and the last valid
    /// time are kept.
    public mutating func endTransaction() {
        transaction = nil
    }

    /// Returns `reading` with `valid`, `invalidReason`, `sessionEnergyWh` and `register` filled.
    /// `meterStartWh`: the transaction's StartTransaction meterStart when known (overrides the
    /// one given to `startTransaction`; starts a transaction context if there was none).
    public mutating func validate(_ reading: MeterReading, meterStartWh: Double?) -> MeterReading {
        var out = reading
        out.sessionEnergyWh = nil
        out.register = nil
        guard reading.valid else { return out }

        func invalid(_ reason: String) -> MeterReading {
            out.valid = false
            out.invalidReason = reason
            out.sessionEnergyWh = nil
            return out
        }

        if let lastValidAt, reading.at < lastValidAt { return invalid("older-than-last-valid") }
        out.invalidReason = nil

        guard let energy = reading.energyWh else {
            lastValidAt = reading.at
            return out
        }

        if let meterStartWh {
            if transaction == nil {
                transaction = Transaction(meterStartWh: meterStartWh, startedAt: nil)
            } else {
                transaction!.meterStartWh = meterStartWh
            }
        }

        guard var tx = transaction else {
            // No transaction context: an absolute register, no session energy.
            out.register = .absolute
            if let last = lastAbsolute {
                if energy < last.wh { return invalid("register-decreased") }
                if exceedsMaxPower(energy - last.wh, from: last.at, to: reading.at) { return invalid("exceeds-max-power") }
            }
            lastAbsolute = Mark(wh: energy, at: reading.at)
            lastValidAt = reading.at
            return out
        }

        let meterStart = tx.meterStartWh
        let interpretation: MeterReading.Register
        var decidedStyle = tx.style
        switch tx.style {
        case nil:
            if meterStart > 0, energy < meterStart {
                interpretation = .relative
                decidedStyle = .relative
            } else {
                interpretation = .absolute
                if energy != meterStart { decidedStyle = .absolute }
            }
        case .relative:
            if meterStart > 0, energy >= meterStart, energy - meterStart >= (tx.lastSession?.wh ?? 0) {
                interpretation = .absolute
            } else {
                interpretation = .relative
            }
        case .absolute:
            interpretation = .absolute
        }
        out.register = interpretation
        let session = interpretation == .absolute ? energy - meterStart : energy

        switch interpretation {
        case .absolute:
            if let last = lastAbsolute, energy < last.wh { return invalid("register-decreased") }
        case .relative:
            if let last = tx.lastRelative, energy < last.wh { return invalid("register-decreased") }
        }
        if let last = tx.lastSession, session < last.wh { return invalid("register-decreased") }

        let baseline = tx.lastSession ?? tx.startedAt.map { Mark(wh: 0, at: $0) }
        if let baseline, exceedsMaxPower(session - baseline.wh, from: baseline.at, to: reading.at) {
            return invalid("exceeds-max-power")
        }

        tx.style = decidedStyle
        tx.lastSession = Mark(wh: session, at: reading.at)
        switch interpretation {
        case .absolute: lastAbsolute = Mark(wh: energy, at: reading.at)
        case .relative: tx.lastRelative = Mark(wh: energy, at: reading.at)
        }
        transaction = tx
        lastValidAt = reading.at
        out.sessionEnergyWh = session
        return out
    }

    private func exceedsMaxPower(_ deltaWh: Double, from: Date, to: Date) -> Bool {
        guard let maxPowerW else { return false }
        let hours = max(0, to.timeIntervalSince(from)) / 3600
        return deltaWh > maxPowerW * tolerance * hours + registerResolutionWh
    }
}
