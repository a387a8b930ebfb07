import ChargeBusContract
import Foundation

/// The outcome of the bucket rules for one charger.
public struct BucketEvaluation: Sendable, Equatable {
    public var bucket: HealthBucket
    /// Human-readable cause, e.g. `connector 2 Faulted (GroundFailure)`.
    public var reason: String
    /// The time of the evidence that puts the charger in this bucket (used when the transition
    /// is found while rebuilding, not caused by a live event).
    public var evidenceAt: Date?
    /// The connector whose status explains the bucket, if any.
    public var connector: Int?
    public var errorCode: String?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
}

/// Knowledge about the bridges, needed by the Offline rule.
public struct BridgeView: Sendable, Equatable {
    public var online: Bool
    /// When the bridge (re)started (its `at` on `online:true`).
    public var upSince: Date?
    /// When the daemon learnt the bridge was down (the last will has no `at`).
    public var downSince: Date?

    public init(online: Bool, upSince: Date? = nil, downSince: Date? = nil) {
        self.online = online
        self.upSince = upSince
        self.downSince = downSince
    }
}

/// The bucket rules, evaluated in precedence order: the first rule that matches wins.
///
/// 1. **Offline**: no state yet (never connected); state `online:false`; the charger's bridge is
///    down (its last will, or a clean bridge shutdown); the bridge restarted after the charger's
///    last `online:true` and the charger has not reconnected yet; or the charger has been silent
///    (no message of any kind) for longer than its heartbeat interval × `offlineGrace`.
/// 2. **Faulted**: connector 0 or any connector reports `Faulted`.
/// 3. **Unavailable**: connector 0 reports `Unavailable`, or every known connector ≥ 1 does.
/// 4. **WeakSignal**: a connector's errorCode is `WeakSignal`; the last signal-strength reading
///    (not older than `signalMaxAgeS`) is below `weakSignalDbm`; at least
///    `missedHeartbeatsThreshold` missed heartbeats or `reconnectsThreshold` reconnects within
///    `connectivityWindowS`.
/// 5. **Charging**: a connector in `Charging`, `SuspendedEV` or `SuspendedEVSE` with a
///    transaction (known from `transactions`, the retained session, or a meter reading's
///    `transactionId`; a connector reporting `Charging` is taken at its word).
/// 6. **Available**: everything else (Available, Preparing, Finishing, Reserved, no status yet).
public enum BucketRules {
    public static let chargingStatuses: Set<String> = ["Charging", "SuspendedEV", "SuspendedEVSE"]

    public static func evaluate(_ charger: ChargerRecord, bridges: [String: BridgeView], configuration: HealthConfiguration,
                                now: Date) -> BucketEvaluation {
        if let offline = offline(charger, bridges: bridges) {
            return offline
        }
        let connectors = charger.connectors.sorted { $0.key < $1.key }

        // Faulted
        let faulted = connectors.filter { $0.value.status == "Faulted" }
        if let first = faulted.min(by: { $0.value.at < $1.value.at }) {
            let list = faulted.map { "connector \($0.key) Faulted (\($0.value.errorCode))" }.joined(separator: ", ")
            return detail(.faulted, list, first.key, first.value)
        }

        // Unavailable
        if let zero = charger.connectors[0], zero.status == "Unavailable" {
            return detail(.unavailable, "charger Unavailable", 0, zero)
        }
        let outlets = connectors.filter { $0.key > 0 }
        if !outlets.isEmpty, outlets.allSatisfy({ $0.value.status == "Unavailable" }),
           let latest = outlets.max(by: { $0.value.at < $1.value.at }) {
            return detail(.unavailable, "every connector Unavailable", latest.key, latest.value)
        }

        // WeakSignal
        if let weak = connectors.first(where: { $0.value.errorCode == "WeakSignal" }) {
            return detail(.weakSignal, "connector \(weak.key) reports WeakSignal", weak.key, weak.value)
        }
        if let signal = charger.signal, now.timeIntervalSince(signal.at) <= configuration.signalMaxAgeS,
           signal.dbm < configuration.weakSignalDbm {
            return BucketEvaluation(bucket: .weakSignal,
                                    reason: "signal \(format(signal.dbm)) dBm below \(format(configuration.weakSignalDbm)) dBm",
                                    evidenceAt: signal.at)
        }
        let window = configuration.connectivityWindowS
        let missed = charger.stats.missed(within: window, now: now)
        if missed >= configuration.missedHeartbeatsThreshold {
            return BucketEvaluation(bucket: .weakSignal, reason: "\(missed) missed heartbeats in \(format(window)) s",
                                    evidenceAt: charger.stats.lastDegradationAt)
        }
        let reconnects = charger.stats.reconnects(within: window, now: now)
        if reconnects >= configuration.reconnectsThreshold {
            return BucketEvaluation(bucket: .weakSignal, reason: "\(reconnects) reconnects in \(format(window)) s",
                                    evidenceAt: charger.stats.lastDegradationAt)
        }

        // Charging
        let charging = outlets.filter { connector, status in
            chargingStatuses.contains(status.status) && (status.status == "Charging" || charger.sessions[connector] != nil)
        }
        if let first = charging.min(by: { $0.value.at < $1.value.at }) {
            let list = charging.map { "connector \($0.key) \($0.value.status)" }.joined(separator: ", ")
            return BucketEvaluation(bucket: .charging, reason: list, evidenceAt: first.value.at, connector: first.key)
        }

        return BucketEvaluation(bucket: .available, reason: charger.connectors.isEmpty ? "online, no status yet" : "available",
                                evidenceAt: nil)
    }

    static func offline(_ charger: ChargerRecord, bridges: [String: BridgeView]) -> BucketEvaluation? {
        guard let state = charger.state else {
            return BucketEvaluation(bucket: .offline, reason: "never connected", evidenceAt: charger.info?.at)
        }
        if !state.online {
            return BucketEvaluation(bucket: .offline, reason: "disconnected (\(state.reason?.rawValue ?? "unknown"))",
                                    evidenceAt: state.at)
        }
        if let bridgeID = state.bridge, let bridge = bridges[bridgeID] {
            if !bridge.online {
                return BucketEvaluation(bucket: .offline, reason: "bridge \(bridgeID) is down",
                                        evidenceAt: bridge.downSince.map { max($0, state.at) } ?? state.at)
            }
            if let up = bridge.upSince, up > state.at {
                return BucketEvaluation(bucket: .offline, reason: "bridge \(bridgeID) restarted; not reconnected yet",
                                        evidenceAt: up)
            }
        }
        if let silent = charger.silentSince {
            return BucketEvaluation(bucket: .offline, reason: "silent since \(Timestamp.format(charger.lastSeen ?? silent))",
                                    evidenceAt: silent)
        }
        return nil
    }

    static func detail(_ bucket: HealthBucket, _ reason: String, _ connector: Int, _ status: ConnectorStatus) -> BucketEvaluation {
        BucketEvaluation(bucket: bucket, reason: reason, evidenceAt: status.at, connector: connector,
                         errorCode: status.errorCode, vendorId: status.vendorId, vendorErrorCode: status.vendorErrorCode,
                         info: status.info)
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }
}
