import Foundation

/// `{root}/chargers/{cp}/connectors/{n}/meter`, QoS 1, not retained. One sampled MeterValue,
/// normalized to fixed units whatever unit and multiplier the charger used.
public struct MeterReading: Codable, Sendable, Hashable {
    /// Per-phase values (keys `L1`, `L2`, `L3`, `N`, or OCPP's `L1-N`, `L1-L2`… as sent).
    public struct PhaseValues: Codable, Sendable, Hashable {
        public var powerW: Double?
        public var currentA: Double?
        public var voltageV: Double?
        public var energyWh: Double?
        public init(powerW: Double? = nil, currentA: Double? = nil, voltageV: Double? = nil, energyWh: Double? = nil) {
            self.powerW = powerW
            self.currentA = currentA
            self.voltageV = voltageV
            self.energyWh = energyWh
        }
        public var isEmpty: Bool { powerW == nil && currentA == nil && voltageV == nil && energyWh == nil }
    }

    /// How the charger's energy register counts.
    public enum Register: String, Codable, Sendable, Hashable {
        /// A lifetime register: session energy = reading − meterStart.
        case absolute
        /// Counts from 0 at the start of each session: session energy = reading.
        case relative
    }

    /// The sample's timestamp, as the charger stated it.
    public var at: Date
    /// When the bridge received the MeterValues frame.
    public var receivedAt: Date
    /// Energy.Active.Import.Register, Wh.
    public var energyWh: Double?
    /// Power.Active.Import, W (the sum of phases when only per-phase values were sent).
    public var powerW: Double?
    /// Current.Import, A, when sent without a phase.
    public var currentA: Double?
    /// Voltage, V, when sent without a phase.
    public var voltageV: Double?
    /// State of charge, %.
    public var soc: Double?
    /// Temperature, °C.
    public var temperatureC: Double?
    /// Current.Offered, A.
    public var currentOfferedA: Double?
    /// Power.Offered, W.
    public var powerOfferedW: Double?
    /// Per-phase values keyed by phase.
    public var phases: [String: PhaseValues]?
    public var transactionId: TransactionID?
    /// OCPP ReadingContext: Sample.Periodic, Transaction.Begin, Transaction.End, Sample.Clock, Trigger, …
    public var context: String?
    /// Energy delivered in this transaction so far, Wh; only when `valid` and a transaction is known.
    public var sessionEnergyWh: Double?
    public var register: Register?
    /// False when the energy reading failed validation; it is then never counted as session energy.
    public var valid: Bool
    /// Why the reading is invalid: `older-than-last-valid`, `register-decreased`, `exceeds-max-power`, …
    public var invalidReason: String?

    public init(at: Date, receivedAt: Date, energyWh: Double? = nil, powerW: Double? = nil, currentA: Double? = nil,
                voltageV: Double? = nil, soc: Double? = nil, temperatureC: Double? = nil,
                currentOfferedA: Double? = nil, powerOfferedW: Double? = nil,
                phases: [String: PhaseValues]? = nil, transactionId: TransactionID? = nil, context: String? = nil,
                sessionEnergyWh: Double? = nil, register: Register? = nil, valid: Bool = true, invalidReason: String? = nil) {
        self.at = at
        self.receivedAt = receivedAt
        self.energyWh = energyWh
        self.powerW = powerW
        self.currentA = currentA
        self.voltageV = voltageV
        self.soc = soc
        self.temperatureC = temperatureC
        self.currentOfferedA = currentOfferedA
        self.powerOfferedW = powerOfferedW
        self.phases = phases
        self.transactionId = transactionId
        self.context = context
        self.sessionEnergyWh = sessionEnergyWh
        self.register = register
        self.valid = valid
        self.invalidReason = invalidReason
    }
}
