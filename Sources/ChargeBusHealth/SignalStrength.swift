import ChargeBusContract
import Foundation

/// How a charger's signal strength reaches the health daemon.
///
/// OCPP 1.6 has no standard measurand for it, so a charger (or its vendor's firmware) reports it
/// with a DataTransfer whose `messageId` is `SignalStrength` (any `vendorId`). The bridge publishes
/// it on `{root}/chargers/{cp}/events/data-transfer`. `data` may be, as chargers send it:
/// - a JSON string holding an object: `"{\"rssi\":-95}"` or `"{\"dBm\":-95}"` (also `signalDbm`, `rssiDbm`);
/// - a plain number or a number with the unit: `"-95"`, `"-95 dBm"`, `"-95dBm"`;
/// - (lenient chargers) the object or number itself instead of a string.
public enum SignalStrength {
    public static let messageID = "SignalStrength"
    static let keys = ["dBm", "dbm", "rssi", "signalDbm", "rssiDbm", "signal"]

    /// The reading in dBm, or nil when the event is not a signal-strength report or is unreadable.
    public static func reading(from event: ChargerEvent) -> Double? {
        guard event.name == .dataTransfer,
              let messageId = event.data["messageId"]?.stringValue,
              messageId.caseInsensitiveCompare(messageID) == .orderedSame,
              let data = event.data["data"] else { return nil }
        return value(data)
    }

    static func value(_ data: JSONValue) -> Double? {
        switch data {
        case .number(let number):
            return plausible(number)
        case .object(let object):
            for key in keys {
                if let inner = object[key], let number = value(inner) { return number }
            }
            return nil
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{"), let json = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)) {
                return value(json)
            }
            var numeric = trimmed
            if numeric.lowercased().hasSuffix("dbm") { numeric = String(numeric.dropLast(3)).trimmingCharacters(in: .whitespaces) }
            return Double(numeric).flatMap(plausible)
        default:
            return nil
        }
    }

    /// Radio signal strengths are negative dBm values; anything else is a misread.
    static func plausible(_ value: Double) -> Double? {
        value.isFinite && value <= 0 && value >= -200 ? value : nil
    }
}
