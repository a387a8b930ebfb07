import ChargeBusContract
import Foundation

/// A timestamped entry of a windowed rule (a failed session, a reconnect), with a readable reason.
public struct Stamp: Codable, Sendable, Hashable {
    public var at: Date
    public var what: String
}

/// What the engine remembers about a transaction, for the session rules.
public struct TxTrack: Codable, Sendable, Hashable {
    public var id: TransactionID?
    public var startedAt: Date
    public var lastMeterAt: Date?
    public var soc: Double?
    /// SoC at the last progress, and when it progressed.
    public var socBase: Double?
    public var socProgressAt: Date?
    public var energyWh: Double?
    public var energyBase: Double?
    public var energyProgressAt: Date?
    public var powerW: Double?
    /// Since when power has stayed at or below the zero threshold.
    public var zeroPowerSince: Date?
}

/// What the engine remembers about a connector (0 is the charger itself).
public struct ConnectorTrack: Codable, Sendable, Hashable {
    public var status: String?
    /// The bridge's time of the last status (used to drop older, re-delivered ones).
    public var statusAt: Date?
    /// Since when the connector has been in `status`.
    public var statusSince: Date?
    public var errorCode: String?
    public var errorSince: Date?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    public var vendorCodeSince: Date?
    public var preparingSince: Date?
    /// When the last transaction started: a Preparing period without a start inside it never started.
    /// Compared by time because statuses and transactions arrive on different topics, in any order.
    public var lastTxStartedAt: Date?
    public var tx: TxTrack?
}

/// What the engine remembers about a charger. Persisted as JSON so a restart resumes every
/// pending period where it was (the condition start times are in here).
public struct ChargerTrack: Codable, Sendable, Hashable {
    public var site: String?
    public var chargerClass: String?
    public var bootVendor: String?
    public var online: Bool?
    public var onlineAt: Date?
    public var offlineSince: Date?
    public var bridge: String?
    public var lastBootAt: Date?
    public var connectors: [Int: ConnectorTrack] = [:]
    public var failures: [Stamp] = []
    public var reconnects: [Stamp] = []
    public var signalDbm: Double?
    public var signalAt: Date?
    public var weakSignalSince: Date?

    /// Windowed lists are capped so a misbehaving charger cannot grow memory without bound.
    static let maxStamps = 200
}
