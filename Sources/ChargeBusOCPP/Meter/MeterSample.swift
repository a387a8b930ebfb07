import Foundation

/// One meter sample in protocol-neutral form: what the normalizer needs from an OCPP 1.6
/// SampledValue or an OCPP 2.0.1 SampledValueType.
///
/// A 2.0.1 adapter maps `measurand`, `phase`, `location`, `context`, `unitOfMeasure.unit` and
/// `unitOfMeasure.multiplier` one to one, and the numeric `value` to `.number`.
public struct MeterSample: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// As 1.6 sends it: a decimal in a string.
        case text(String)
        /// As 2.0.1 sends it (and some 1.6 chargers do).
        case number(Double)
    }

    /// The OCPP measurand name, e.g. `Energy.Active.Import.Register`.
    public var measurand: String
    /// `L1`, `L2`, `L3`, `N`, `L1-N`, `L1-L2`, …; nil for a total.
    public var phase: String?
    /// `Outlet`, `Inlet`, `EV`, `Body`, `Cable`; nil means Outlet.
    public var location: String?
    /// The unit as sent; nil means the measurand's default unit.
    public var unit: String?
    /// Power of ten the value is scaled by (2.0.1 `unitOfMeasure.multiplier`; 0 in 1.6).
    public var multiplier: Int
    public var value: Value
    /// The reading context as sent (`Sample.Periodic`, `Transaction.End`, …).
    public var context: String?
    /// True for signed data (1.6 `format: SignedData`): not a plain number, never interpreted.
    public var isSigned: Bool

    public init(measurand: String, phase: String? = nil, location: String? = nil, unit: String? = nil, multiplier: Int = 0,
                value: Value, context: String? = nil, isSigned: Bool = false) {
        self.measurand = measurand
        self.phase = phase
        self.location = location
        self.unit = unit
        self.multiplier = multiplier
        self.value = value
        self.context = context
        self.isSigned = isSigned
    }

    /// A 1.6 SampledValue with the spec's defaults applied (measurand Energy.Active.Import.Register).
    public init(_ sampled: OCPP16.SampledValue) {
        self.init(measurand: sampled.measurand?.rawValue ?? OCPP16.Measurand.energyActiveImportRegister.rawValue,
                  phase: sampled.phase?.rawValue, location: sampled.location?.rawValue, unit: sampled.unit?.rawValue,
                  multiplier: 0, value: .text(sampled.value), context: sampled.context?.rawValue,
                  isSigned: sampled.format == .signedData)
    }

    /// The value as a finite number, or nil. Text is trimmed; a decimal comma is accepted when
    /// there is no decimal point (`"12,5"`).
    public var numericValue: Double? {
        switch value {
        case .number(let number):
            return number.isFinite ? number : nil
        case .text(let text):
            if MeterSample.isPlainDecimal(text), let number = Double(text), number.isFinite { return number }
            // Slow path for what chargers get wrong: surrounding spaces, a decimal comma.
            var trimmed = text.trimmingCharacters(in: .whitespaces)
            if !trimmed.contains("."), trimmed.filter({ $0 == "," }).count == 1 {
                trimmed = trimmed.replacingOccurrences(of: ",", with: ".")
            }
            guard MeterSample.isPlainDecimal(trimmed), let number = Double(trimmed), number.isFinite else { return nil }
            return number
        }
    }

    /// Only digits, sign, decimal point and exponent: rejects `nan`, `inf` and hex floats, which
    /// `Double(_:)` would accept.
    static func isPlainDecimal(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            default:
                return false
            }
        }
        return true
    }

    var valueDescription: String {
        switch value {
        case .text(let text): "\"\(text.prefix(40))\""
        case .number(let number): "\(number)"
        }
    }
}
