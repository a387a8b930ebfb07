/// The physics of one charging session, free of I/O and clocks so it can be unit-tested: advance it by a
/// number of (simulated) seconds and read a `MeterSample`.
///
/// - AC: constant power at the EV's on-board charger limit (≤ the connector rating) with ±1.5 % noise,
///   230 V per phase, current per phase = P / (230 V · phases). No SoC (an AC charger cannot read it).
/// - DC: power at the lower of connector and EV limits, tapering linearly above 80 % SoC down to 10 % of the
///   limit; voltage rises with SoC (≈ 360–440 V); current = P / V; SoC rises with energy / battery capacity,
///   capped at 100 % (`isFull`).
/// - Anomalies: `socStalled` freezes SoC while energy keeps flowing; `zeroPower` reports 0 W / 0 A and the
///   energy register stops.
public struct ChargingSessionModel: Sendable {
    public let kind: ChargerProfile.Kind
    /// The session's power limit, W (the lower of connector and vehicle limits).
    public let limitW: Double
    public let phases: Int
    public let meterStartWh: Double
    public let batteryCapacityWh: Double
    public private(set) var energyWh: Double
    public private(set) var socPercent: Double?
    public private(set) var elapsedSeconds: Double = 0
    public var socStalled = false
    public var zeroPower = false
    private var random: SeededGenerator
    private var lastPowerW: Double = 0

    public init(kind: ChargerProfile.Kind, limitW: Double, phases: Int, registerWh: Double,
                initialSoC: Double? = nil, batteryCapacityWh: Double = 75_000, seed: UInt64 = 1) {
        self.kind = kind
        self.limitW = limitW
        self.phases = max(1, phases)
        self.meterStartWh = registerWh
        self.energyWh = registerWh
        self.batteryCapacityWh = batteryCapacityWh
        self.socPercent = kind == .dc ? min(100, max(0, initialSoC ?? 20)) : nil
        self.random = SeededGenerator(seed: seed)
    }

    /// A vehicle drawn from `random`: AC EVs limit at 7.4/11/22 kW, DC EVs at 50–150 kW with a 40–100 kWh battery
    /// starting at 10–40 % SoC.
    public static func random(kind: ChargerProfile.Kind, connectorMaxW: Double, phases: Int, registerWh: Double,
                              using random: inout SeededGenerator) -> ChargingSessionModel {
        switch kind {
        case .ac:
            let onBoard: [Double] = [7_400, 11_000, 22_000]
            let evLimit = onBoard[Int(random.next() % UInt64(onBoard.count))]
            return ChargingSessionModel(kind: .ac, limitW: min(connectorMaxW, evLimit), phases: phases,
                                        registerWh: registerWh, seed: random.next())
        case .dc:
            let evLimit = 50_000 + random.unit() * 100_000
            let capacity = 40_000 + random.unit() * 60_000
            let soc = 10 + random.unit() * 30
            return ChargingSessionModel(kind: .dc, limitW: min(connectorMaxW, evLimit), phases: 0,
                                        registerWh: registerWh, initialSoC: soc, batteryCapacityWh: capacity,
                                        seed: random.next())
        }
    }

    public var sessionEnergyWh: Double { energyWh - meterStartWh }
    public var isFull: Bool { (socPercent ?? 0) >= 100 }

    /// The power the vehicle draws at the current state, before noise.
    var targetPowerW: Double {
        if zeroPower { return 0 }
        guard kind == .dc, let soc = socPercent else { return limitW }
        if soc >= 100 { return 0 }
        if soc <= 80 { return limitW }
        return limitW * max(0.1, 1 - (soc - 80) / 22.5)
    }

    var voltageV: Double {
        switch kind {
        case .ac: return 230
        case .dc: return 360 + 0.8 * (socPercent ?? 50)
        }
    }

    /// The sample at the current state (no time passes).
    public var sample: MeterSample {
        let power = zeroPower ? 0 : lastPowerW
        let voltage = voltageV
        let current: Double
        switch kind {
        case .ac: current = power / (voltage * Double(phases))
        case .dc: current = power / voltage
        }
        return MeterSample(energyWh: energyWh, powerW: power, currentA: current, voltageV: voltage,
                           socPercent: socPercent)
    }

    /// Moves the register up to at least `wattHours` (another sender, e.g. the load generator, advanced the connector's
    /// meter), so readings stay monotonic.
    public mutating func raiseRegister(toAtLeast wattHours: Double) {
        energyWh = max(energyWh, wattHours)
    }

    /// Advances the session by `seconds` of simulated time and returns the sample at its end.
    @discardableResult
    public mutating func advance(seconds: Double) -> MeterSample {
        let dt = max(0, seconds)
        elapsedSeconds += dt
        let noise = 1 + (random.unit() - 0.5) * 0.03
        let power = max(0, targetPowerW * noise)
        lastPowerW = power
        if power > 0, dt > 0 {
            var energy = power * dt / 3600
            if kind == .dc, !socStalled, let soc = socPercent {
                // The battery takes no more than it has room for.
                energy = min(energy, (100 - soc) / 100 * batteryCapacityWh)
                socPercent = min(100, soc + energy / batteryCapacityWh * 100)
            }
            energyWh += energy
        }
        return sample
    }
}
