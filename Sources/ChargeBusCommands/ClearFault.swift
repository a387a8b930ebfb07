import ChargeBusContract
import Foundation

/// clear-fault's documented strategy (issue 6, item 3), as a state machine driven with explicit times:
///
/// 1. ChangeAvailability Inoperative, then Operative, on the connector. Cycling availability makes most
///    chargers re-run their self-test and clear a latched transient fault without a reboot.
/// 2. Wait up to `availabilityTimeout` for the connector to report Available (or Preparing: a vehicle is
///    plugged in, the fault is gone).
/// 3. Otherwise (or when the charger refuses ChangeAvailability) escalate to a soft Reset and wait up to
///    `resetTimeout` for the same.
/// 4. The result says whether the status returned to Available, which steps ran, and the final status:
///    Accepted when it did, Timeout when it did not within the timeouts, Rejected when the charger
///    refused the Reset, and the call's own status when a call failed (Offline, Timeout, Error).
public struct ClearFaultProcedure: Sendable {
    public enum Action: Sendable, Hashable {
        case call(OCPPCall)
        case finish(CommandStatus, message: String?, details: JSONValue, response: JSONValue?)
    }

    enum Phase: Sendable, Hashable {
        case inoperative, operative, waitAvailable(deadline: Date), reset, waitAfterReset(deadline: Date), done
    }

    public let connector: Int
    let availabilityTimeout: TimeInterval
    let resetTimeout: TimeInterval
    private(set) var phase: Phase = .inoperative
    private(set) var steps: [JSONValue] = []
    private var lastResponse: JSONValue?
    private var escalated = false

    public static let inService: Set<String> = ["Available", "Preparing"]

    /// The connector to work on: the one asked for, else the faulted one (lowest), else 0 (the charger).
    public static func target(requested: Int?, charger: ChargerView) -> Int {
        if let requested { return requested }
        if charger.statuses[0]?.status == "Faulted" { return 0 }
        return charger.statuses.filter { $0.key > 0 && $0.value.status == "Faulted" }.keys.min() ?? 0
    }

    public init(connector: Int, availabilityTimeout: TimeInterval, resetTimeout: TimeInterval) {
        self.connector = connector
        self.availabilityTimeout = availabilityTimeout
        self.resetTimeout = resetTimeout
    }

    public mutating func start(now: Date) -> [Action] {
        phase = .inoperative
        steps.append(.string("ChangeAvailability Inoperative on connector \(connector)"))
        return [.call(OCPP16Mapping.changeAvailability(connector: connector, .inoperative))]
    }

    /// The bridge's answer to the call the last action asked for.
    public mutating func answered(_ response: CallResponse, statuses: [Int: ConnectorStatus], now: Date) -> [Action] {
        lastResponse = response.response
        let answer = response.status == .ok ? (response.response?["status"]?.stringValue ?? "Accepted") : response.status.rawValue
        steps.append(.string("→ \(answer)"))
        switch phase {
        case .inoperative, .operative:
            let accepted = response.status == .ok && ["Accepted", "Scheduled"].contains(answer)
            if response.status == .offline || response.status == .timeout {
                return finish(OCPP16Mapping.outcome(of: response, action: "ChangeAvailability"))
            }
            guard accepted else { return escalate(now: now, why: "ChangeAvailability was not accepted") }
            if phase == .inoperative {
                phase = .operative
                steps.append(.string("ChangeAvailability Operative on connector \(connector)"))
                return [.call(OCPP16Mapping.changeAvailability(connector: connector, .operative))]
            }
            phase = .waitAvailable(deadline: now.addingTimeInterval(availabilityTimeout))
            return check(statuses: statuses, now: now)
        case .reset:
            switch (response.status, answer) {
            case (.ok, "Accepted"):
                phase = .waitAfterReset(deadline: now.addingTimeInterval(resetTimeout))
                return check(statuses: statuses, now: now, ignoreCurrent: true)
            case (.ok, _):
                return finish((.rejected, "the charger rejected the soft Reset; the fault remains (\(statusText(statuses)))"))
            default:
                return finish(OCPP16Mapping.outcome(of: response, action: "Reset"))
            }
        case .waitAvailable, .waitAfterReset, .done:
            return []
        }
    }

    /// A connector status arrived, or time passed.
    /// - Parameter ignoreCurrent: right after the Reset, the retained status is the pre-reset one.
    public mutating func check(statuses: [Int: ConnectorStatus], now: Date, ignoreCurrent: Bool = false) -> [Action] {
        switch phase {
        case .waitAvailable(let deadline):
            if isInService(statuses) { return finish((.accepted, nil)) }
            if now >= deadline { return escalate(now: now, why: "still \(statusText(statuses)) after \(Int(availabilityTimeout)) s") }
            return []
        case .waitAfterReset(let deadline):
            if !ignoreCurrent, isInService(statuses, after: deadline.addingTimeInterval(-resetTimeout)) { return finish((.accepted, nil)) }
            if now >= deadline {
                return finish((.timeout, "connector \(connector) did not return to Available within \(Int(availabilityTimeout)) s of Inoperative→Operative nor \(Int(resetTimeout)) s after a soft Reset (now \(statusText(statuses))); a site visit is likely needed"))
            }
            return []
        default:
            return []
        }
    }

    private func isInService(_ statuses: [Int: ConnectorStatus], after: Date? = nil) -> Bool {
        guard let status = statuses[connector] else { return false }
        if let after, status.at < after { return false }
        guard Self.inService.contains(status.status) else { return false }
        // For the whole charger, no connector may still be faulted.
        if connector == 0 { return !statuses.values.contains { $0.status == "Faulted" } }
        return true
    }

    private func statusText(_ statuses: [Int: ConnectorStatus]) -> String {
        guard let status = statuses[connector] else { return "no status known" }
        return status.errorCode == "NoError" ? status.status : "\(status.status) \(status.errorCode)\(status.vendorErrorCode.map { " \($0)" } ?? "")"
    }

    private mutating func escalate(now: Date, why: String) -> [Action] {
        escalated = true
        phase = .reset
        steps.append(.string("\(why): escalating to a soft Reset"))
        return [.call(OCPPCall("Reset", ["type": .string("Soft")]))]
    }

    private mutating func finish(_ outcome: (CommandStatus, String?)) -> [Action] {
        phase = .done
        let details: JSONValue = .object([
            "connector": .number(Double(connector)),
            "steps": .array(steps),
            "escalated": .bool(escalated),
            "returnedToAvailable": .bool(outcome.0 == .accepted),
        ])
        return [.finish(outcome.0, message: outcome.1, details: details, response: lastResponse)]
    }

    public var isDone: Bool { phase == .done }
}
