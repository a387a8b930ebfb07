import ChargeBusContract
import Foundation

extension OCPP16.MeterValues.Request {
    /// Decodes the common, fully valid MeterValues.req without the schema-checking `Decoder`, which
    /// costs several times more and dominates a bridge receiving thousands of meter frames a second.
    ///
    /// Returns nil for anything that is not plainly valid (an unknown field, a wrong type, an
    /// unlisted enumeration value, a timestamp that is not RFC 3339, a null): the caller then
    /// decodes with `OCPPPayloadCoding`, which reports the exact CALLERROR (strict) or applies and
    /// reports the lenient adjustments. For every payload it accepts, the result equals what
    /// `OCPPPayloadCoding.decode` returns in either mode (tested).
    public static func decodeIfPlainlyValid(_ payload: JSONValue) -> Self? {
        guard case .object(let root) = payload else { return nil }
        var connectorID: Int?
        var transactionID: Int?
        var meterValues: [OCPP16.MeterValue]?
        for (key, value) in root {
            switch key {
            case "connectorId":
                guard let integer = plainInteger(value), integer >= 0 else { return nil }
                connectorID = integer
            case "transactionId":
                guard let integer = plainInteger(value) else { return nil }
                transactionID = integer
            case "meterValue":
                guard case .array(let items) = value else { return nil }
                var decoded: [OCPP16.MeterValue] = []
                decoded.reserveCapacity(items.count)
                for item in items {
                    guard let meterValue = plainMeterValue(item) else { return nil }
                    decoded.append(meterValue)
                }
                meterValues = decoded
            default:
                return nil
            }
        }
        guard let connectorID, let meterValues else { return nil }
        return Self(connectorId: connectorID, transactionId: transactionID, meterValue: meterValues)
    }

    private static func plainInteger(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, number.rounded() == number else { return nil }
        return Int(exactly: number)
    }

    private static func plainMeterValue(_ value: JSONValue) -> OCPP16.MeterValue? {
        guard case .object(let object) = value else { return nil }
        var timestamp: Date?
        var samples: [OCPP16.SampledValue]?
        for (key, field) in object {
            switch key {
            case "timestamp":
                guard case .string(let text) = field, DecodeState.isRFC3339(text), let date = Timestamp.parse(text) else { return nil }
                timestamp = date
            case "sampledValue":
                guard case .array(let items) = field else { return nil }
                var decoded: [OCPP16.SampledValue] = []
                decoded.reserveCapacity(items.count)
                for item in items {
                    guard let sample = plainSampledValue(item) else { return nil }
                    decoded.append(sample)
                }
                samples = decoded
            default:
                return nil
            }
        }
        guard let timestamp, let samples else { return nil }
        return OCPP16.MeterValue(timestamp: timestamp, sampledValue: samples)
    }

    private static func plainSampledValue(_ value: JSONValue) -> OCPP16.SampledValue? {
        guard case .object(let object) = value else { return nil }
        var sample = OCPP16.SampledValue(value: "")
        var sawValue = false
        for (key, field) in object {
            guard case .string(let text) = field, sample.setPlainField(key, text, sawValue: &sawValue) else { return nil }
        }
        return sawValue ? sample : nil
    }
}

extension OCPP16.SampledValue {
    /// Sets one field of a sample from its JSON string, the plain way both fast MeterValues readers accept: the
    /// field is known, not seen before in this sample, and an enumeration holds a value the schema lists.
    /// False means "not plainly valid": the caller leaves the frame to the schema decoder.
    mutating func setPlainField(_ key: String, _ text: String, sawValue: inout Bool) -> Bool {
        switch key {
        case "value":
            guard !sawValue else { return false }
            value = text
            sawValue = true
        case "context":
            guard context == nil, OCPP16.ReadingContext.knownValues.contains(text) else { return false }
            context = OCPP16.ReadingContext(rawValue: text)
        case "format":
            guard format == nil, OCPP16.ValueFormat.knownValues.contains(text) else { return false }
            format = OCPP16.ValueFormat(rawValue: text)
        case "measurand":
            guard measurand == nil, OCPP16.Measurand.knownValues.contains(text) else { return false }
            measurand = OCPP16.Measurand(rawValue: text)
        case "phase":
            guard phase == nil, OCPP16.Phase.knownValues.contains(text) else { return false }
            phase = OCPP16.Phase(rawValue: text)
        case "location":
            guard location == nil, OCPP16.Location.knownValues.contains(text) else { return false }
            location = OCPP16.Location(rawValue: text)
        case "unit":
            guard unit == nil, OCPP16.UnitOfMeasure.knownValues.contains(text) else { return false }
            unit = OCPP16.UnitOfMeasure(rawValue: text)
        default:
            return false
        }
        return true
    }
}
