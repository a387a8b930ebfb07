import ChargeBusContract
import Foundation

extension OCPP201 {
    /// The protocol-neutral samples of a 2.0.1 meter value, for `MeterNormalizer.normalize(samples:…)`.
    ///
    /// `measurand` (default Energy.Active.Import.Register), `phase`, `location`, `context`,
    /// `unitOfMeasure.unit` (absent: the measurand's default unit) and `unitOfMeasure.multiplier`
    /// (10^n, absent: 0) are mapped one to one; the numeric `value` becomes `.number`. A sample
    /// with a `signedMeterValue` still has a plain numeric value, which is used.
    public static func meterSamples(from meterValue: MeterValueType) -> [MeterSample] {
        meterValue.sampledValue.map(meterSample)
    }

    /// One SampledValueType as a `MeterSample` (see `meterSamples(from:)`).
    public static func meterSample(_ sampled: SampledValueType) -> MeterSample {
        MeterSample(measurand: sampled.measurand?.rawValue ?? MeasurandEnumType.energyActiveImportRegister.rawValue,
                    phase: sampled.phase?.rawValue, location: sampled.location?.rawValue, unit: sampled.unitOfMeasure?.unit,
                    multiplier: sampled.unitOfMeasure?.multiplier ?? 0, value: .number(sampled.value),
                    context: sampled.context?.rawValue, isSigned: false)
    }
}

extension MeterNormalizer {
    /// Normalizes a 2.0.1 meter value (MeterValuesRequest, TransactionEventRequest) into the same
    /// `MeterReading` as a 1.6 one. `transactionId` is the 2.0.1 string id (`.string`), as sent.
    public static func normalize(_ value: OCPP201.MeterValueType, receivedAt: Date,
                                 transactionId: TransactionID?) -> (reading: MeterReading, skipped: [String]) {
        normalize(samples: OCPP201.meterSamples(from: value), at: value.timestamp, receivedAt: receivedAt,
                  transactionId: transactionId)
    }
}
