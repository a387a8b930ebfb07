import Foundation

/// `{root}/chargers/{cp}/transactions`, QoS 1, not retained.
public struct TransactionEvent: Codable, Sendable, Hashable {
    public enum Event: String, Codable, Sendable, Hashable {
        case started
        case stopped
    }

    public var at: Date
    public var event: Event
    public var transactionId: TransactionID
    public var connector: Int
    public var idTag: String?
    /// The id tag's authorization result: Accepted, Blocked, Expired, Invalid, ConcurrentTx.
    public var idTagStatus: String?
    /// Meter register at start, Wh (`started` only).
    public var meterStartWh: Double?
    /// Meter register at stop, Wh (`stopped` only).
    public var meterStopWh: Double?
    /// Energy delivered by the session, Wh (`stopped` only).
    public var energyWh: Double?
    /// The stop reason (`stopped` only): EmergencyStop, EVDisconnected, HardReset, Local, Other, PowerLoss,
    /// Reboot, Remote, SoftReset, UnlockCommand, DeAuthorized.
    public var reason: String?
    /// The charger's own timestamp of the start or stop; differs from `at` when the charger queued it offline.
    public var chargerTimestamp: Date?

    public init(at: Date, event: Event, transactionId: TransactionID, connector: Int, idTag: String? = nil,
                idTagStatus: String? = nil, meterStartWh: Double? = nil, meterStopWh: Double? = nil,
                energyWh: Double? = nil, reason: String? = nil, chargerTimestamp: Date? = nil) {
        self.at = at
        self.event = event
        self.transactionId = transactionId
        self.connector = connector
        self.idTag = idTag
        self.idTagStatus = idTagStatus
        self.meterStartWh = meterStartWh
        self.meterStopWh = meterStopWh
        self.energyWh = energyWh
        self.reason = reason
        self.chargerTimestamp = chargerTimestamp
    }
}
