import Foundation
import GRDB

/// The charging level of a charger: L2 is AC, L3 is DC fast charging.
public enum ChargerClass: String, Codable, Sendable, CaseIterable {
    case l2 = "L2"
    case l3 = "L3"
}

/// A registered charger. `passwordHash` is nil only for auto-registered chargers.
public struct ChargerRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "charger"

    public var id: String
    public var site: String
    public var chargerClass: ChargerClass
    public var connectors: Int
    /// Maximum power one connector can deliver, W: the bound of energy validation.
    public var maxPowerW: Double
    public var passwordHash: String?
    /// Accept the known quirks of real chargers instead of answering CALLERROR.
    public var lenient: Bool
    /// Protocol pinned for this charger (`ocpp1.6`), or nil to negotiate.
    public var pinnedProtocol: String?
    public var autoRegistered: Bool
    /// The last BootNotification, as published on the bus (JSON).
    public var lastBoot: String?
    public var lastBootAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, site, connectors, lenient, createdAt, updatedAt, lastBoot, lastBootAt, autoRegistered, pinnedProtocol
        case chargerClass = "class"
        case maxPowerW, passwordHash
    }

    public init(id: String, site: String, chargerClass: ChargerClass, connectors: Int, maxPowerW: Double,
                passwordHash: String?, lenient: Bool = false, pinnedProtocol: String? = nil,
                autoRegistered: Bool = false, lastBoot: String? = nil, lastBootAt: Date? = nil,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.site = site
        self.chargerClass = chargerClass
        self.connectors = connectors
        self.maxPowerW = maxPowerW
        self.passwordHash = passwordHash
        self.lenient = lenient
        self.pinnedProtocol = pinnedProtocol
        self.autoRegistered = autoRegistered
        self.lastBoot = lastBoot
        self.lastBootAt = lastBootAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An RFID card or app token that may start sessions (OCPP IdToken, ≤20 characters in 1.6).
public struct IdTagRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "idTag"

    public enum Status: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case blocked = "Blocked"
        case expired = "Expired"
        case invalid = "Invalid"
    }

    public var tag: String
    public var status: Status
    public var expiry: Date?
    public var parentTag: String?
    public var note: String?
    public var createdAt: Date

    public init(tag: String, status: Status, expiry: Date? = nil, parentTag: String? = nil, note: String? = nil, createdAt: Date) {
        self.tag = tag
        self.status = status
        self.expiry = expiry
        self.parentTag = parentTag
        self.note = note
        self.createdAt = createdAt
    }
}

/// An OCPP 2.0.1 transaction, keyed by the charger's own transaction id.
public struct Transaction201Record: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "transaction201"

    public var chargerId: String
    public var transactionId: String
    public var evse: Int
    public var idTag: String?
    public var meterStartWh: Double?
    public var startedAt: Date
    public var receivedAt: Date
    public var meterStopWh: Double?
    public var stoppedAt: Date?
    public var stopReason: String?

    public init(chargerId: String, transactionId: String, evse: Int, idTag: String?, meterStartWh: Double?, startedAt: Date,
                receivedAt: Date) {
        self.chargerId = chargerId
        self.transactionId = transactionId
        self.evse = evse
        self.idTag = idTag
        self.meterStartWh = meterStartWh
        self.startedAt = startedAt
        self.receivedAt = receivedAt
    }
}

/// A charging transaction. The row id is the OCPP 1.6 transactionId, so ids survive restarts.
public struct TransactionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "chargingTransaction"

    public var id: Int64?
    public var chargerId: String
    public var connector: Int
    public var idTag: String
    public var idTagStatus: String
    public var meterStartWh: Double
    /// The charger's timestamp for the start (may be old when it was queued offline).
    public var startedAt: Date
    public var receivedAt: Date
    public var meterStopWh: Double?
    public var stoppedAt: Date?
    public var stopReason: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
