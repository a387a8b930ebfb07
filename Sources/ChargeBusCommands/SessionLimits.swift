import ChargeBusContract
import Foundation

/// A remote start that the daemon must stop by itself (issue 6, item 3: `minutes`, or `amount` with a tariff).
/// Persisted in SQLite after every change, so a restarted daemon still stops the session.
public struct LimitedSession: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// RemoteStart accepted; waiting for the transaction to start on the connector.
        case waitingForStart
        /// The transaction runs; the limit is being watched.
        case running
        /// RemoteStopTransaction was sent; waiting for the transaction to stop.
        case stopping
    }

    public var requestId: String
    public var chargerID: String
    public var connector: Int
    public var idTag: String
    public var limit: SessionLimit
    public var state: State
    public var acceptedAt: Date
    public var transactionId: TransactionID?
    public var startedAt: Date?
    public var energyWh: Double = 0
    public var stopAttempts = 0
    public var nextAttemptAt: Date?

    public init(requestId: String, chargerID: String, connector: Int, idTag: String, limit: SessionLimit, acceptedAt: Date) {
        self.requestId = requestId
        self.chargerID = chargerID
        self.connector = connector
        self.idTag = idTag
        self.limit = limit
        self.state = .waitingForStart
        self.acceptedAt = acceptedAt
    }

    /// When a time limit ends the session; nil for amount limits or before the start.
    public var stopsAt: Date? {
        guard let startedAt, case .minutes(let minutes) = limit else { return nil }
        return startedAt.addingTimeInterval(minutes * 60)
    }

    public func cost(now: Date) -> Double? {
        guard case .amount(_, let tariff) = limit, let startedAt else { return nil }
        return tariff.cost(energyWh: energyWh, minutes: max(0, now.timeIntervalSince(startedAt)) / 60)
    }

    public func limitReached(now: Date) -> Bool {
        guard state == .running else { return false }
        switch limit {
        case .minutes: return stopsAt.map { now >= $0 } ?? false
        case .amount(let amount, _): return (cost(now: now) ?? 0) >= amount
        }
    }
}

/// Watches every limited session. Plain value: feed it bus events and times, it returns what to do.
public struct SessionLimiter: Sendable {
    public enum Action: Sendable, Hashable {
        /// Send RemoteStopTransaction for this session.
        case stop(requestId: String, chargerID: String, transactionId: TransactionID, reason: String)
        /// The session is no longer tracked (it stopped, or never started); `note` goes to the audit log.
        case forget(requestId: String, note: String)
    }

    public private(set) var sessions: [String: LimitedSession] = [:]
    public let startTimeout: TimeInterval
    /// Between two RemoteStopTransaction attempts when the charger refuses or does not answer.
    public let retryInterval: TimeInterval = 30
    public let maxStopAttempts = 5

    public init(startTimeout: TimeInterval, sessions: [LimitedSession] = []) {
        self.startTimeout = startTimeout
        for session in sessions { self.sessions[session.requestId] = session }
    }

    public mutating func add(_ session: LimitedSession) {
        sessions[session.requestId] = session
    }

    public mutating func remove(_ requestId: String) {
        sessions[requestId] = nil
    }

    /// Returns the ids of the sessions that changed (to persist).
    public mutating func transactionStarted(chargerID: String, connector: Int, transactionId: TransactionID, idTag: String?,
                                            now: Date) -> [String] {
        let tx = transactionId
        let candidates = sessions.values.filter {
            $0.chargerID == chargerID && $0.connector == connector && $0.state == .waitingForStart
                && (idTag == nil || $0.idTag == idTag)
        }
        guard let session = candidates.min(by: { $0.acceptedAt < $1.acceptedAt }) else { return [] }
        sessions[session.requestId]?.state = .running
        sessions[session.requestId]?.transactionId = tx
        sessions[session.requestId]?.startedAt = now
        return [session.requestId]
    }

    public mutating func transactionStopped(chargerID: String, transactionId tx: TransactionID) -> [Action] {
        return sessions.values.filter { $0.chargerID == chargerID && $0.transactionId == tx }.map { session in
            sessions[session.requestId] = nil
            let note = session.state == .stopping ? "the session stopped after the limit was reached" : "the session stopped before its limit"
            return .forget(requestId: session.requestId, note: note)
        }
    }

    public mutating func meter(chargerID: String, transactionId tx: TransactionID, sessionEnergyWh: Double) -> [String] {
        var changed: [String] = []
        for session in sessions.values where session.chargerID == chargerID && session.transactionId == tx {
            sessions[session.requestId]?.energyWh = sessionEnergyWh
            changed.append(session.requestId)
        }
        return changed
    }

    public mutating func tick(now: Date) -> [Action] {
        var actions: [Action] = []
        for session in sessions.values.sorted(by: { $0.acceptedAt < $1.acceptedAt }) {
            switch session.state {
            case .waitingForStart where now.timeIntervalSince(session.acceptedAt) >= startTimeout:
                sessions[session.requestId] = nil
                actions.append(.forget(requestId: session.requestId,
                                       note: "no transaction started on connector \(session.connector) within \(Int(startTimeout)) s of the remote start; the limit is dropped"))
            case .running where session.limitReached(now: now):
                sessions[session.requestId]?.state = .stopping
                sessions[session.requestId]?.stopAttempts = 1
                sessions[session.requestId]?.nextAttemptAt = now.addingTimeInterval(retryInterval)
                actions.append(.stop(requestId: session.requestId, chargerID: session.chargerID,
                                     transactionId: session.transactionId!, reason: reason(session, now: now)))
            case .stopping where session.nextAttemptAt.map { now >= $0 } ?? false:
                if session.stopAttempts >= maxStopAttempts {
                    sessions[session.requestId] = nil
                    actions.append(.forget(requestId: session.requestId,
                                           note: "the charger did not stop transaction \(session.transactionId.map(String.init(describing:)) ?? "?") after \(maxStopAttempts) RemoteStopTransaction attempts"))
                } else {
                    sessions[session.requestId]?.stopAttempts += 1
                    sessions[session.requestId]?.nextAttemptAt = now.addingTimeInterval(retryInterval)
                    actions.append(.stop(requestId: session.requestId, chargerID: session.chargerID,
                                         transactionId: session.transactionId!, reason: "retry \(session.stopAttempts + 1): " + reason(session, now: now)))
                }
            default:
                break
            }
        }
        return actions
    }

    /// Whether the charger accepted a RemoteStopTransaction: on acceptance the stop event is awaited
    /// (the retry timer stays as a safety net, in case the StopTransaction never arrives).
    public mutating func stopAnswered(requestId: String, accepted: Bool, now: Date) {
        guard sessions[requestId] != nil, !accepted else { return }
        sessions[requestId]?.nextAttemptAt = now.addingTimeInterval(retryInterval)
    }

    private func reason(_ session: LimitedSession, now: Date) -> String {
        switch session.limit {
        case .minutes(let minutes): return "the \(formatNumber(minutes))-minute limit was reached"
        case .amount(let amount, let tariff):
            return "the amount of \(formatNumber(amount)) \(tariff.currency) was reached (cost \(String(format: "%.2f", session.cost(now: now) ?? 0)), \(Int(session.energyWh)) Wh)"
        }
    }
}

func formatNumber(_ value: Double) -> String {
    value.rounded() == value ? String(Int(value)) : String(value)
}
