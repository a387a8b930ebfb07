import Foundation

extension OCPP16 {
    /// One timestamped set of samples (MeterValues.req meterValue, StopTransaction.req transactionData).
    ///
    /// The spec tables give sampledValue a 1..* cardinality but the JSON schema sets no
    /// `minItems`; like the schema, decoding accepts an empty array.
    public struct MeterValue: Codable, Sendable, Hashable {
        public var timestamp: Date
        public var sampledValue: [SampledValue]

        public init(timestamp: Date, sampledValue: [SampledValue]) {
            self.timestamp = timestamp
            self.sampledValue = sampledValue
        }
    }

    /// One sample. `value` is a string per the schema (a decimal for Raw format; lenient decoding
    /// also accepts a JSON number and formats it). Absent optional fields take the spec's
    /// defaults: context Sample.Periodic, format Raw, measurand Energy.Active.Import.Register,
    /// location Outlet, unit Wh (for energy).
    public struct SampledValue: Codable, Sendable, Hashable {
        public var value: String
        public var context: ReadingContext?
        public var format: ValueFormat?
        public var measurand: Measurand?
        public var phase: Phase?
        public var location: Location?
        public var unit: UnitOfMeasure?

        public init(value: String, context: ReadingContext? = nil, format: ValueFormat? = nil, measurand: Measurand? = nil,
                    phase: Phase? = nil, location: Location? = nil, unit: UnitOfMeasure? = nil) {
            self.value = value
            self.context = context
            self.format = format
            self.measurand = measurand
            self.phase = phase
            self.location = location
            self.unit = unit
        }
    }
}
