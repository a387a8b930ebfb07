import Foundation

extension OCPP201 {
    /// One timestamped set of samples (MeterValuesRequest, TransactionEventRequest).
    public struct MeterValueType: Codable, Sendable, Hashable {
        /// At least one element.
        public var sampledValue: [SampledValueType]
        public var timestamp: Date
        public var customData: CustomDataType?

        public init(sampledValue: [SampledValueType], timestamp: Date, customData: CustomDataType? = nil) {
            self.sampledValue = sampledValue
            self.timestamp = timestamp
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case sampledValue, timestamp, customData
            var constraint: OCPPFieldConstraint { self == .sampledValue ? .items(1) : .none }
        }
    }

    /// One sample. Unlike 1.6, `value` is a JSON number (lenient decoding also accepts a number
    /// in a string). Absent optional fields take the spec's defaults: context Sample.Periodic,
    /// measurand Energy.Active.Import.Register, location Outlet, unit Wh (for energy), multiplier 0.
    public struct SampledValueType: Codable, Sendable, Hashable {
        public var value: Double
        public var context: ReadingContextEnumType?
        public var measurand: MeasurandEnumType?
        public var phase: PhaseEnumType?
        public var location: LocationEnumType?
        public var signedMeterValue: SignedMeterValueType?
        public var unitOfMeasure: UnitOfMeasureType?
        public var customData: CustomDataType?

        public init(value: Double, context: ReadingContextEnumType? = nil, measurand: MeasurandEnumType? = nil,
                    phase: PhaseEnumType? = nil, location: LocationEnumType? = nil, signedMeterValue: SignedMeterValueType? = nil,
                    unitOfMeasure: UnitOfMeasureType? = nil, customData: CustomDataType? = nil) {
            self.value = value
            self.context = context
            self.measurand = measurand
            self.phase = phase
            self.location = location
            self.signedMeterValue = signedMeterValue
            self.unitOfMeasure = unitOfMeasure
            self.customData = customData
        }
    }

    /// A unit with a power-of-ten multiplier: the value is `value × 10^multiplier` `unit`.
    public struct UnitOfMeasureType: Codable, Sendable, Hashable {
        /// ≤ 20 characters, from the spec's list of units (`Wh`, `kWh`, `W`, `kW`, `A`, `V`,
        /// `Celsius`, `Percent`, …) or custom. Absent: `Wh`. Kept whole in lenient mode.
        public var unit: String?
        /// Exponent of 10. Absent: 0.
        public var multiplier: Int?
        public var customData: CustomDataType?

        public init(unit: String? = nil, multiplier: Int? = nil, customData: CustomDataType? = nil) {
            self.unit = unit
            self.multiplier = multiplier
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case unit, multiplier, customData
            var constraint: OCPPFieldConstraint { self == .unit ? .identifier(20) : .none }
        }
    }

    /// A signed meter value. Its fields are kept whole in lenient mode (a cut signature is useless).
    public struct SignedMeterValueType: Codable, Sendable, Hashable {
        /// Base64, ≤ 2500 characters.
        public var signedMeterData: String
        /// ≤ 50 characters.
        public var signingMethod: String
        /// ≤ 50 characters.
        public var encodingMethod: String
        /// Base64, ≤ 2500 characters.
        public var publicKey: String
        public var customData: CustomDataType?

        public init(signedMeterData: String, signingMethod: String, encodingMethod: String, publicKey: String,
                    customData: CustomDataType? = nil) {
            self.signedMeterData = signedMeterData
            self.signingMethod = signingMethod
            self.encodingMethod = encodingMethod
            self.publicKey = publicKey
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case signedMeterData, signingMethod, encodingMethod, publicKey, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .signedMeterData, .publicKey: .identifier(2500)
                case .signingMethod, .encodingMethod: .identifier(50)
                case .customData: .none
                }
            }
        }
    }
}
