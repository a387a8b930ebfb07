import ChargeBusContract
import Foundation

/// The safety rules of issue 6, item 5, apart from authorization.
public enum SafetyPolicy {
    /// Commands that interrupt a running session.
    public static let disruptive: Set<CommandName> = [.reset, .reboot, .changeAvailability, .clearFault]

    /// A message when `command` must be refused because a transaction is active, nil when it may go ahead.
    /// `force` is only passed here after the authorizer checked the user is an Admin or a Manager.
    public static func busyReason(_ command: ValidatedCommand, charger: ChargerView, force: Bool) -> String? {
        guard disruptive.contains(command.name), !force else { return nil }
        let busy: [Int]
        switch command {
        case .changeAvailability(let connector, _) where connector > 0:
            busy = charger.busyConnectors.filter { $0 == connector }
        default:
            busy = charger.busyConnectors
        }
        guard !busy.isEmpty else { return nil }
        let list = busy.map(String.init).joined(separator: ", ")
        return "a transaction is active on connector \(list); \(command.name.rawValue) would interrupt it (an Admin or Manager may set force:true)"
    }
}

/// At most `limit` commands per charger within a sliding window. Plain value with explicit times.
public struct RateLimiter: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private var sent: [String: [Date]] = [:]

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records a command at `now` and returns nil, or returns how long until the next one is allowed.
    public mutating func admit(_ chargerID: String, now: Date) -> TimeInterval? {
        var times = sent[chargerID, default: []].filter { now.timeIntervalSince($0) < window }
        if times.count >= limit {
            sent[chargerID] = times
            return max(0, window - now.timeIntervalSince(times[0]))
        }
        times.append(now)
        sent[chargerID] = times
        return nil
    }
}
