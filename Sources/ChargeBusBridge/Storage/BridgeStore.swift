import Foundation
import GRDB

/// Errors of the bridge's registry, with messages fit for the CLI.
public enum BridgeStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case chargerExists(String)
    case chargerNotFound(String)
    case idTagExists(String)
    case idTagNotFound(String)
    case transactionNotFound(Int64)
    case database(String)

    public var description: String {
        switch self {
        case .chargerExists(let id): "charger '\(id)' is already registered (use 'chargebus chargers set')"
        case .chargerNotFound(let id): "no charger '\(id)' is registered"
        case .idTagExists(let tag): "id tag '\(tag)' already exists"
        case .idTagNotFound(let tag): "no id tag '\(tag)'"
        case .transactionNotFound(let id): "no transaction \(id)"
        case .database(let message): "database error: \(message)"
        }
    }
}

/// The bridge's SQLite file (`bridge.sqlite` in the data directory): charger registry, id tags
/// and transactions. Migrations are append-only: never edit a registered migration.
public final class BridgeStore: Sendable {
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) `directory/bridge.sqlite` in WAL mode and migrates it.
    public convenience init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: (directory as NSString).appendingPathComponent("bridge.sqlite"), configuration: configuration)
        try self.init(writer: pool)
    }

    /// For tests: an in-memory database.
    public static func inMemory() throws -> BridgeStore {
        try BridgeStore(writer: DatabaseQueue())
    }

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: chargers, id tags, transactions") { db in
            try db.create(table: "charger") { t in
                t.column("id", .text).primaryKey()
                t.column("site", .text).notNull()
                t.column("class", .text).notNull()
                t.column("connectors", .integer).notNull()
                t.column("maxPowerW", .double).notNull()
                t.column("passwordHash", .text)
                t.column("lenient", .boolean).notNull().defaults(to: false)
                t.column("pinnedProtocol", .text)
                t.column("autoRegistered", .boolean).notNull().defaults(to: false)
                t.column("lastBoot", .text)
                t.column("lastBootAt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "idTag") { t in
                t.column("tag", .text).primaryKey()
                t.column("status", .text).notNull()
                t.column("expiry", .datetime)
                t.column("parentTag", .text)
                t.column("note", .text)
                t.column("createdAt", .datetime).notNull()
            }
            // AUTOINCREMENT: a transaction id is never reused, even after rows are deleted.
            try db.create(table: "chargingTransaction") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("chargerId", .text).notNull().indexed()
                t.column("connector", .integer).notNull()
                t.column("idTag", .text).notNull()
                t.column("idTagStatus", .text).notNull()
                t.column("meterStartWh", .double).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("meterStopWh", .double)
                t.column("stoppedAt", .datetime)
                t.column("stopReason", .text)
            }
        }
        migrator.registerMigration("v2: OCPP 2.0.1 transactions") { db in
            // 2.0.1 chargers name their own transactions with strings, so they get their own table.
            try db.create(table: "transaction201") { t in
                t.column("chargerId", .text).notNull()
                t.column("transactionId", .text).notNull()
                t.column("evse", .integer).notNull()
                t.column("idTag", .text)
                t.column("meterStartWh", .double)
                t.column("startedAt", .datetime).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("meterStopWh", .double)
                t.column("stoppedAt", .datetime)
                t.column("stopReason", .text)
                t.primaryKey(["chargerId", "transactionId"])
            }
        }
        return migrator
    }

    // MARK: Chargers

    public func charger(id: String) throws -> ChargerRecord? {
        try writer.read { db in try ChargerRecord.fetchOne(db, key: id) }
    }

    public func allChargers() throws -> [ChargerRecord] {
        try writer.read { db in try ChargerRecord.order(Column("id")).fetchAll(db) }
    }

    public func addCharger(_ record: ChargerRecord) throws {
        try writer.write { db in
            if try ChargerRecord.exists(db, key: record.id) { throw BridgeStoreError.chargerExists(record.id) }
            try record.insert(db)
        }
    }

    /// Registers an unknown charger that connected while auto-register is on, unless one exists.
    public func autoRegister(id: String, at: Date) throws -> ChargerRecord {
        try writer.write { db in
            if let existing = try ChargerRecord.fetchOne(db, key: id) { return existing }
            let record = ChargerRecord(id: id, site: "unassigned", chargerClass: .l2, connectors: 1, maxPowerW: 350_000,
                                       passwordHash: nil, lenient: false, autoRegistered: true, createdAt: at, updatedAt: at)
            try record.insert(db)
            return record
        }
    }

    public func updateCharger(id: String, _ change: @Sendable (inout ChargerRecord) -> Void) throws -> ChargerRecord {
        try writer.write { db in
            guard var record = try ChargerRecord.fetchOne(db, key: id) else { throw BridgeStoreError.chargerNotFound(id) }
            change(&record)
            record.updatedAt = Date()
            try record.update(db)
            return record
        }
    }

    public func removeCharger(id: String) throws {
        try writer.write { db in
            guard try ChargerRecord.deleteOne(db, key: id) else { throw BridgeStoreError.chargerNotFound(id) }
        }
    }

    public func recordBoot(chargerID: String, bootJSON: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE charger SET lastBoot = ?, lastBootAt = ?, updatedAt = ? WHERE id = ?",
                           arguments: [bootJSON, at, at, chargerID])
        }
    }

    // MARK: Id tags

    public func idTag(_ tag: String) throws -> IdTagRecord? {
        try writer.read { db in try IdTagRecord.fetchOne(db, key: tag) }
    }

    public func allIdTags() throws -> [IdTagRecord] {
        try writer.read { db in try IdTagRecord.order(Column("tag")).fetchAll(db) }
    }

    public func addIdTag(_ record: IdTagRecord) throws {
        try writer.write { db in
            if try IdTagRecord.exists(db, key: record.tag) { throw BridgeStoreError.idTagExists(record.tag) }
            try record.insert(db)
        }
    }

    public func removeIdTag(_ tag: String) throws {
        try writer.write { db in
            guard try IdTagRecord.deleteOne(db, key: tag) else { throw BridgeStoreError.idTagNotFound(tag) }
        }
    }

    /// The OCPP authorization status of a tag at `now`: unknown tags are Invalid, past expiry is Expired.
    public func authorize(tag: String, now: Date) throws -> (status: String, expiry: Date?, parent: String?) {
        guard let record = try idTag(tag) else { return ("Invalid", nil, nil) }
        if record.status == .accepted, let expiry = record.expiry, expiry <= now {
            return ("Expired", expiry, record.parentTag)
        }
        return (record.status.rawValue, record.expiry, record.parentTag)
    }

    // MARK: Transactions

    /// Starts a transaction and returns its id. A retried StartTransaction (same charger, connector,
    /// tag, start time and meter) gets the id it was given the first time, so offline replays don't
    /// create duplicate sessions.
    public func startTransaction(chargerID: String, connector: Int, idTag: String, idTagStatus: String,
                                 meterStartWh: Double, startedAt: Date, receivedAt: Date) throws -> TransactionRecord {
        try writer.write { db in
            if let existing = try TransactionRecord
                .filter(Column("chargerId") == chargerID && Column("connector") == connector
                        && Column("idTag") == idTag && Column("startedAt") == startedAt && Column("meterStartWh") == meterStartWh)
                .fetchOne(db) {
                return existing
            }
            var record = TransactionRecord(id: nil, chargerId: chargerID, connector: connector, idTag: idTag,
                                           idTagStatus: idTagStatus, meterStartWh: meterStartWh, startedAt: startedAt,
                                           receivedAt: receivedAt, meterStopWh: nil, stoppedAt: nil, stopReason: nil)
            try record.insert(db)
            return record
        }
    }

    /// Records the stop. Returns nil when the id is unknown (the charger may report a transaction
    /// another CSMS started); the stop is then still published, without session energy.
    public func stopTransaction(id: Int64, meterStopWh: Double, stoppedAt: Date, reason: String?) throws -> TransactionRecord? {
        try writer.write { db in
            guard var record = try TransactionRecord.fetchOne(db, key: id) else { return nil }
            if record.stoppedAt == nil {
                record.meterStopWh = meterStopWh
                record.stoppedAt = stoppedAt
                record.stopReason = reason
                try record.update(db)
            }
            return record
        }
    }

    public func transaction(id: Int64) throws -> TransactionRecord? {
        try writer.read { db in try TransactionRecord.fetchOne(db, key: id) }
    }

    public func openTransaction(chargerID: String, connector: Int) throws -> TransactionRecord? {
        try writer.read { db in
            try TransactionRecord
                .filter(Column("chargerId") == chargerID && Column("connector") == connector && Column("stoppedAt") == nil)
                .order(Column("id").desc)
                .fetchOne(db)
        }
    }

    // MARK: OCPP 2.0.1 transactions

    /// Records a 2.0.1 transaction the first time it is seen (Started, or an Updated whose Started was lost).
    public func recordTransaction201(_ record: Transaction201Record) throws {
        try writer.write { db in
            if try Transaction201Record.exists(db, key: ["chargerId": record.chargerId, "transactionId": record.transactionId]) { return }
            try record.insert(db)
        }
    }

    public func stopTransaction201(chargerID: String, transactionID: String, meterStopWh: Double?, stoppedAt: Date, reason: String)
        throws -> Transaction201Record? {
        try writer.write { db in
            guard var record = try Transaction201Record.fetchOne(db, key: ["chargerId": chargerID, "transactionId": transactionID]) else { return nil }
            if record.stoppedAt == nil {
                record.meterStopWh = meterStopWh
                record.stoppedAt = stoppedAt
                record.stopReason = reason
                try record.update(db)
            }
            return record
        }
    }

    public func openTransaction201(chargerID: String, evse: Int) throws -> Transaction201Record? {
        try writer.read { db in
            try Transaction201Record
                .filter(Column("chargerId") == chargerID && Column("evse") == evse && Column("stoppedAt") == nil)
                .order(Column("startedAt").desc)
                .fetchOne(db)
        }
    }

    public func transactions(chargerID: String? = nil, limit: Int = 100) throws -> [TransactionRecord] {
        try writer.read { db in
            var request = TransactionRecord.order(Column("id").desc).limit(limit)
            if let chargerID { request = request.filter(Column("chargerId") == chargerID) }
            return try request.fetchAll(db)
        }
    }
}
