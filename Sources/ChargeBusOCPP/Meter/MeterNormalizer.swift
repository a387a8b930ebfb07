import ChargeBusContract
import Foundation

/// Turns OCPP meter samples into a `MeterReading` in fixed units.
///
/// Mapped measurands (other measurands, e.g. `Energy.Active.Export.Register`,
/// `Power.Reactive.Import`, `Frequency`, `Power.Factor`, `RPM`, the `.Interval` energies and
/// `Current.Export`, are ignored without being reported):
/// - `Energy.Active.Import.Register` Wh|kWh → `energyWh` (total) / `phases[p].energyWh`; when
///   only per-phase registers are sent, `energyWh` is their sum over L1, L2, L3;
/// - `Power.Active.Import` W|kW → `powerW` / `phases[p].powerW`; when only per-phase values
///   are sent, `powerW` is their sum over L1, L2, L3 (`L1-N` counts as L1);
/// - `Current.Import` A → `currentA` (unphased) / `phases[p].currentA`;
/// - `Voltage` V → `voltageV` (unphased) / `phases[p].voltageV`;
/// - `SoC` Percent → `soc`; `Temperature` Celsius|Celcius|Fahrenheit|K → `temperatureC`;
///   `Current.Offered` A → `currentOfferedA`; `Power.Offered` W|kW → `powerOfferedW` (phase
///   ignored for these four).
///
/// A missing unit means the measurand's base unit (Wh, W, A, V, Percent, Celsius; the 1.6 spec
/// states Wh for energy). `multiplier` scales by 10^n before unit conversion. Units match
/// ignoring case. When several samples map to the same field, one at location Outlet (or
/// without location) wins over other locations, else the first one.
///
/// `skipped` lists, one line each, samples that were not used: values that are not numbers,
/// units that do not fit the measurand, signed data and unknown measurands.
public struct MeterNormalizer: Sendable {
    public static func normalize(_ value: OCPP16.MeterValue, receivedAt: Date,
                                 transactionId: TransactionID?) -> (reading: MeterReading, skipped: [String]) {
        normalize(samples: value.sampledValue.map(MeterSample.init), at: value.timestamp, receivedAt: receivedAt,
                  transactionId: transactionId)
    }

    public static func normalize(samples: [MeterSample], at: Date, receivedAt: Date,
                                 transactionId: TransactionID?) -> (reading: MeterReading, skipped: [String]) {
        var reading = MeterReading(at: at, receivedAt: receivedAt, transactionId: transactionId)
        var skipped: [String] = []
        var totals: [Field: Candidate] = [:]
        var phased: [Field: [String: Candidate]] = [:]
        var phaseOrder: [String] = []

        for sample in samples {
            if reading.context == nil { reading.context = sample.context }
            let label = sample.phase.map { "\(sample.measurand)[\($0)]" } ?? sample.measurand
            guard let field = Field(measurand: sample.measurand) else {
                if !knownIgnoredMeasurands.contains(sample.measurand) {
                    skipped.append("\(label): unknown measurand")
                }
                continue
            }
            if sample.isSigned {
                skipped.append("\(label): signed data is not interpreted")
                continue
            }
            guard let number = sample.numericValue else {
                skipped.append("\(label): value \(sample.valueDescription) is not a number")
                continue
            }
            guard let converted = field.convert(number, unit: sample.unit, multiplier: sample.multiplier) else {
                skipped.append("\(label): unit \(sample.unit ?? "?") does not fit the measurand")
                continue
            }
            let candidate = Candidate(value: converted, rank: rank(sample.location))
            if let phase = sample.phase, field.isPhased {
                if !phaseOrder.contains(phase) { phaseOrder.append(phase) }
                if let existing = phased[field]?[phase], existing.rank <= candidate.rank { continue }
                phased[field, default: [:]][phase] = candidate
            } else {
                if let existing = totals[field], existing.rank <= candidate.rank { continue }
                totals[field] = candidate
            }
        }

        reading.energyWh = totals[.energy]?.value ?? sumOfPhases(phased[.energy])
        reading.powerW = totals[.power]?.value ?? sumOfPhases(phased[.power])
        reading.currentA = totals[.current]?.value
        reading.voltageV = totals[.voltage]?.value
        reading.soc = totals[.soc]?.value
        reading.temperatureC = totals[.temperature]?.value
        reading.currentOfferedA = totals[.currentOffered]?.value
        reading.powerOfferedW = totals[.powerOffered]?.value

        var phases: [String: MeterReading.PhaseValues] = [:]
        for phase in phaseOrder {
            let values = MeterReading.PhaseValues(powerW: phased[.power]?[phase]?.value, currentA: phased[.current]?[phase]?.value,
                                                  voltageV: phased[.voltage]?[phase]?.value, energyWh: phased[.energy]?[phase]?.value)
            if !values.isEmpty { phases[phase] = values }
        }
        reading.phases = phases.isEmpty ? nil : phases
        return (reading, skipped)
    }

    private struct Candidate {
        var value: Double
        var rank: Int
    }

    private static func rank(_ location: String?) -> Int {
        guard let location, location != "Outlet" else { return 0 }
        return location.lowercased() == "outlet" ? 0 : 1
    }

    /// L1 + L2 + L3, each taken from `Lx` or else `Lx-N`. Nil when no such phase was sent.
    private static func sumOfPhases(_ values: [String: Candidate]?) -> Double? {
        guard let values else { return nil }
        var sum = 0.0
        var found = false
        for (line, lineToNeutral) in [("L1", "L1-N"), ("L2", "L2-N"), ("L3", "L3-N")] {
            if let value = values[line] ?? values[lineToNeutral] {
                sum += value.value
                found = true
            }
        }
        return found ? sum : nil
    }

    /// Measurands of the 1.6 schema the reading has no field for: ignored, not reported.
    private static let knownIgnoredMeasurands: Set<String> = OCPP16.Measurand.knownValues
        .union(["Energy.Active.Net", "Energy.Reactive.Net", "Energy.Apparent.Net", "Energy.Apparent.Import",
                "Energy.Apparent.Export", "Power.Reactive", "Power.Apparent"]) // 2.0.1 additions

    private enum Field: Hashable {
        case energy, power, current, voltage, soc, temperature, currentOffered, powerOffered

        init?(measurand: String) {
            switch measurand {
            case "Energy.Active.Import.Register": self = .energy
            case "Power.Active.Import": self = .power
            case "Current.Import": self = .current
            case "Voltage": self = .voltage
            case "SoC": self = .soc
            case "Temperature": self = .temperature
            case "Current.Offered": self = .currentOffered
            case "Power.Offered": self = .powerOffered
            default: return nil
            }
        }

        var isPhased: Bool {
            switch self {
            case .energy, .power, .current, .voltage: true
            case .soc, .temperature, .currentOffered, .powerOffered: false
            }
        }

        /// Lower-cased unit, without allocating for the spellings of the schema.
        static func canonicalUnit(_ unit: String) -> String {
            switch unit {
            case "Wh": "wh"
            case "kWh": "kwh"
            case "W": "w"
            case "kW": "kw"
            case "A": "a"
            case "V": "v"
            case "Percent": "percent"
            case "Celsius": "celsius"
            case "Celcius": "celcius"
            case "Fahrenheit": "fahrenheit"
            case "K": "k"
            default: unit.lowercased()
            }
        }

        /// The value in the field's unit, or nil when `unit` does not fit.
        func convert(_ number: Double, unit: String?, multiplier: Int) -> Double? {
            // Dividing for negative multipliers keeps 1500000 × 10^-3 exact.
            let scaled = multiplier >= 0 ? number * pow(10, Double(multiplier)) : number / pow(10, Double(-multiplier))
            let unit = unit.map(Field.canonicalUnit)
            switch self {
            case .energy:
                switch unit {
                case nil, "wh": return scaled
                case "kwh": return scaled * 1000
                default: return nil
                }
            case .power, .powerOffered:
                switch unit {
                case nil, "w": return scaled
                case "kw": return scaled * 1000
                default: return nil
                }
            case .current, .currentOffered:
                return unit == nil || unit == "a" ? scaled : nil
            case .voltage:
                return unit == nil || unit == "v" ? scaled : nil
            case .soc:
                return unit == nil || unit == "percent" ? scaled : nil
            case .temperature:
                switch unit {
                case nil, "celsius", "celcius": return scaled
                case "fahrenheit": return (scaled - 32) * 5 / 9
                case "k": return scaled - 273.15
                default: return nil
                }
            }
        }
    }
}
