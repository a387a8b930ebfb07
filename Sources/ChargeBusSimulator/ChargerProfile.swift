/// SplitMix64: a tiny, fast, seedable generator, so that a simulation with the same seed builds the same
/// fleet (kinds, connector counts, ratings, registers, id tags) every time.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one member of a family (e.g. charger `index` of fleet `seed`), decorrelated from its neighbours.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        _ = mixer.next()
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)`.
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// The static description of one simulated charger, derived deterministically from the fleet seed and its index.
public struct ChargerProfile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case ac = "AC"
        case dc = "DC"
    }

    /// 1-based position in the fleet.
    public var index: Int
    /// Charge point identity: `{prefix}{index:05}`, e.g. `SIM00003`.
    public var id: String
    public var kind: Kind
    /// Number of connectors (1 or 2), numbered 1…n; connector 0 is the charger itself.
    public var connectorCount: Int
    /// Maximum power per connector, W (AC 7.4–22 kW, DC 50–150 kW).
    public var maxPowerW: Double
    /// AC phases (1 or 3); DC chargers report 0.
    public var phases: Int
    public var vendor: String
    public var model: String
    public var serialNumber: String
    public var firmwareVersion: String
    public var meterSerialNumber: String
    /// Lifetime energy register of each connector at start, Wh (index 0 is connector 1).
    public var initialRegistersWh: [Double]
    /// The OCPP version this charger speaks (`ocpp1.6` by default).
    public var protocolVersion: OCPPProtocolVersion

    public init(index: Int, id: String, kind: Kind, connectorCount: Int, maxPowerW: Double, phases: Int,
                vendor: String = "ChargeBusSim", model: String, serialNumber: String, firmwareVersion: String,
                meterSerialNumber: String, initialRegistersWh: [Double],
                protocolVersion: OCPPProtocolVersion = .ocpp16) {
        self.index = index
        self.id = id
        self.kind = kind
        self.connectorCount = connectorCount
        self.maxPowerW = maxPowerW
        self.phases = phases
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
        self.meterSerialNumber = meterSerialNumber
        self.initialRegistersWh = initialRegistersWh
        self.protocolVersion = protocolVersion
    }

    /// `{prefix}{index:05}`.
    public static func chargerID(prefix: String, index: Int) -> String {
        let digits = String(index)
        return prefix + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// Builds the profile of charger `index` (1-based) of a fleet: AC with probability `acRatio`, else DC.
    /// The protocol comes from `protocolMix` (its own random stream: the rest of the profile does not depend on it).
    public static func make(index: Int, idPrefix: String = "SIM", seed: UInt64, acRatio: Double,
                            protocolMix: ProtocolMix = .ocpp16) -> ChargerProfile {
        var random = SeededGenerator(seed: seed, stream: UInt64(index))
        let kind: Kind = random.unit() < acRatio ? .ac : .dc
        let connectorCount = random.unit() < 0.5 ? 1 : 2
        let maxPowerW: Double
        let phases: Int
        switch kind {
        case .ac:
            let ratings: [(Double, Int)] = [(7_400, 1), (11_000, 3), (22_000, 3)]
            let pick = ratings[Int(random.next() % UInt64(ratings.count))]
            maxPowerW = pick.0
            phases = pick.1
        case .dc:
            let ratings: [Double] = [50_000, 75_000, 100_000, 150_000]
            maxPowerW = ratings[Int(random.next() % UInt64(ratings.count))]
            phases = 0
        }
        let serialHex = String(random.next() & 0xFFFF_FFFF, radix: 16, uppercase: true)
        let serial = "CBS-" + String(repeating: "0", count: 8 - serialHex.count) + serialHex
        let firmwareMinor = Int(random.next() % 3)
        let firmware = kind == .ac ? "1.\(4 + firmwareMinor).2" : "2.\(1 + firmwareMinor).0"
        let registers = (0..<connectorCount).map { _ in
            (100_000 + random.unit() * 4_900_000).rounded(.down)
        }
        return ChargerProfile(
            index: index,
            id: chargerID(prefix: idPrefix, index: index),
            kind: kind,
            connectorCount: connectorCount,
            maxPowerW: maxPowerW,
            phases: phases,
            model: kind == .ac ? "SimAC-22" : "SimDC-150",
            serialNumber: serial,
            firmwareVersion: firmware,
            meterSerialNumber: "M" + serial,
            initialRegistersWh: registers,
            protocolVersion: protocolMix.version(index: index, seed: seed)
        )
    }
}
