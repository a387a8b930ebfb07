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

extension OCPP201 {
    /// The energy register (Energy.Active.Import.Register, normalized to Wh) carried by a
    /// TransactionEvent's meter values: 2.0.1 has no `meterStart`/`meterStop` fields, so the
    /// `transactions` topic's `meterStartWh` / `meterStopWh` come from here.
    ///
    /// Samples with the given `context` (Transaction.Begin in a `Started` event, Transaction.End
    /// in an `Ended` one) are preferred; otherwise any energy register, the first one for
    /// Transaction.Begin and the last one for any other context. Nil when none is sent.
    public static func energyRegisterWh(in meterValues: [MeterValueType]?, context: ReadingContextEnumType) -> Double? {
        guard let meterValues, !meterValues.isEmpty else { return nil }
        func energy(_ meterValue: MeterValueType, onlyContext: Bool) -> Double? {
            let samples = meterSamples(from: meterValue).filter {
                !onlyContext || ($0.context ?? ReadingContextEnumType.samplePeriodic.rawValue) == context.rawValue
            }
            guard !samples.isEmpty else { return nil }
            return MeterNormalizer.normalize(samples: samples, at: meterValue.timestamp, receivedAt: meterValue.timestamp,
                                             transactionId: nil).reading.energyWh
        }
        let ordered = context == .transactionBegin ? meterValues : meterValues.reversed()
        for meterValue in ordered {
            if let wh = energy(meterValue, onlyContext: true) { return wh }
        }
        for meterValue in ordered {
            if let wh = energy(meterValue, onlyContext: false) { return wh }
        }
        return nil
    }
}
