import Foundation

/// A receiver reference as written in a route or escalation step.
public enum Receiver: Sendable, Hashable, CustomStringConvertible {
    case technician(String)
    /// `oncall:SCHEDULE`
    case onCall(String)
    /// `oncall:site`: whoever is on call for any schedule covering the alert's site.
    case onCallForSite
    /// `group:NAME` (all members) or `group:NAME@site` (only members who work at the alert's site).
    case group(String, atAlertSite: Bool)
    case email(String)
    case sms(String)
    case webhook(String)

    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = text[..<colon].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        switch kind {
        case "technician": self = .technician(value)
        case "oncall": self = value == "site" ? .onCallForSite : .onCall(value)
        case "group":
            if value.hasSuffix("@site") {
                let name = String(value.dropLast("@site".count))
                guard !name.isEmpty else { return nil }
                self = .group(name, atAlertSite: true)
            } else {
                self = .group(value, atAlertSite: false)
            }
        case "email": self = .email(value)
        case "sms": self = .sms(value)
        case "webhook": self = .webhook(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .technician(let id): "technician:\(id)"
        case .onCall(let schedule): "oncall:\(schedule)"
        case .onCallForSite: "oncall:site"
        case .group(let name, let atSite): atSite ? "group:\(name)@site" : "group:\(name)"
        case .email(let address): "email:\(address)"
        case .sms(let number): "sms:\(number)"
        case .webhook(let name): "webhook:\(name)"
        }
    }

    /// Receivers that stand for people, whose channels come from the route and their preferences.
    var isPerson: Bool {
        switch self {
        case .technician, .onCall, .onCallForSite, .group: true
        case .email, .sms, .webhook: false
        }
    }

    static let syntax = "technician:ID, oncall:SCHEDULE, oncall:site, group:NAME, group:NAME@site, email:ADDRESS, sms:+E164, webhook:NAME"
}
