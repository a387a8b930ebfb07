import ChargeBusContract
import Foundation
import GRDB

/// The health daemon's SQLite file (`health.sqlite` in the data directory): every bucket
/// transition (the history behind availability reports) and the connectivity events behind the
/// 24 h statistics. Migrations are append-only: never edit a registered migration.
public final class HealthStore: Sendable {
    public let writer: any DatabaseWriter

    public static let fileName = "health.sqlite"

    /// Opens (creating if needed) `directory/health.sqlite` in WAL mode and migrates it.
    public convenience init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // WAL with synchronous=NORMAL: a commit survives a crash of the daemon (not of the machine)
        // without an fsync per transition, which cost ~50 ms per status change on this machine.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: (directory as NSString).appendingPathComponent(Self.fileName), configuration: configuration)
        try self.init(writer: pool)
    }

    /// Opens an existing file read-only, for reports (fails when the daemon never ran there).
    public static func openForReading(directory: String) throws -> HealthStore {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw HealthStoreError.missing(path)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try HealthStore(writer: DatabasePool(path: path, configuration: configuration))
    }

    /// For tests: an in-memory database.
    public static func inMemory() throws -> HealthStore {
        try HealthStore(writer: DatabaseQueue())
    }

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: bucket transitions, connectivity events, daemon runs") { db in
            // `at` is seconds since 1970 (REAL): range queries and ordering stay exact and cheap.
            try db.create(table: "bucketTransition") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("chargerId", .text).notNull()
                t.column("at", .double).notNull()
                t.column("fromBucket", .text)
                // NULL: removed from the registry (no longer observed).
                t.column("toBucket", .text)
                t.column("site", .text).notNull()
                t.column("class", .text).notNull()
                t.column("reason", .text)
                t.column("errorCode", .text)
                t.column("vendorErrorCode", .text)
            }
            try db.create(index: "bucketTransition_charger_at", on: "bucketTransition", columns: ["chargerId", "at"])
            try db.create(index: "bucketTransition_at", on: "bucketTransition", columns: ["at"])
            try db.create(table: "connectivityEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("chargerId", .text).notNull()
                t.column("at", .double).notNull().indexed()
                t.column("kind", .text).notNull()
                t.column("count", .integer).notNull()
            }
            try db.create(table: "daemonRun") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .double).notNull()
                t.column("settledAt", .double)
                t.column("stoppedAt", .double)
            }
        }
        migrator.registerMigration("v2: heartbeat interval sums per charger and hour") { db in
            // The hourly sums behind the 24 h heartbeat average and jitter, so that they survive a
            // restart like the missed beats and reconnects in `connectivityEvent` do.
            try db.create(table: "heartbeatSlot") { t in
                t.column("chargerId", .text).notNull()
                t.column("hour", .integer).notNull().indexed()
                t.column("intervals", .integer).notNull()
                t.column("sum", .double).notNull()
                t.column("sumOfSquares", .double).notNull()
                t.primaryKey(["chargerId", "hour"])
            }
        }
        return migrator
    }

    // MARK: Writing

    public func record(transitions: [BucketTransition], connectivityEvents: [ConnectivityEvent],
                       heartbeatSlots: [HeartbeatSlot] = []) async throws {
        guard !transitions.isEmpty || !connectivityEvents.isEmpty || !heartbeatSlots.isEmpty else { return }
        try await writer.write { db in
            let insertTransition = try db.makeStatement(sql: """
                INSERT INTO bucketTransition (chargerId, at, fromBucket, toBucket, site, class, reason, errorCode, vendorErrorCode)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for t in transitions {
                try insertTransition.execute(arguments: [t.chargerID, t.at.timeIntervalSince1970, t.from?.rawValue, t.to?.rawValue,
                                                         t.site, t.class, t.reason, t.errorCode, t.vendorErrorCode])
            }
            let insertEvent = try db.makeStatement(sql: "INSERT INTO connectivityEvent (chargerId, at, kind, count) VALUES (?, ?, ?, ?)")
            for e in connectivityEvents {
                try insertEvent.execute(arguments: [e.chargerID, e.at.timeIntervalSince1970, e.kind.rawValue, e.count])
            }
            try Self.upsert(heartbeatSlots, db)
        }
    }

    /// A slot carries its running totals, so the last write of an hour wins.
    static func upsert(_ slots: [HeartbeatSlot], _ db: Database) throws {
        guard !slots.isEmpty else { return }
        let statement = try db.makeStatement(sql: """
            INSERT OR REPLACE INTO heartbeatSlot (chargerId, hour, intervals, sum, sumOfSquares) VALUES (?, ?, ?, ?, ?)
            """)
        for slot in slots {
            try statement.execute(arguments: [slot.chargerID, slot.hour, slot.sums.intervals, slot.sums.sum, slot.sums.sumOfSquares])
        }
    }

    /// Synchronous variant for tests and tools.
    public func recordSync(transitions: [BucketTransition], connectivityEvents: [ConnectivityEvent] = [],
                           heartbeatSlots: [HeartbeatSlot] = []) throws {
        try writer.write { db in
            try Self.upsert(heartbeatSlots, db)
            for t in transitions {
                try db.execute(sql: """
                    INSERT INTO bucketTransition (chargerId, at, fromBucket, toBucket, site, class, reason, errorCode, vendorErrorCode)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [t.chargerID, t.at.timeIntervalSince1970, t.from?.rawValue, t.to?.rawValue,
                                     t.site, t.class, t.reason, t.errorCode, t.vendorErrorCode])
            }
            for e in connectivityEvents {
                try db.execute(sql: "INSERT INTO connectivityEvent (chargerId, at, kind, count) VALUES (?, ?, ?, ?)",
                               arguments: [e.chargerID, e.at.timeIntervalSince1970, e.kind.rawValue, e.count])
            }
        }
    }

    public func runStarted(at: Date) throws -> Int64 {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO daemonRun (startedAt) VALUES (?)", arguments: [at.timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func runSettled(_ run: Int64, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE daemonRun SET settledAt = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, run])
        }
    }

    public func runStopped(_ run: Int64, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE daemonRun SET stoppedAt = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, run])
        }
    }

    /// Drops connectivity events and heartbeat slots older than `before` (they only feed 24 h statistics).
    public func pruneConnectivityEvents(before: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM connectivityEvent WHERE at < ?", arguments: [before.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM heartbeatSlot WHERE hour < ?", arguments: [HeartbeatStatistics.hour(of: before)])
        }
    }

    // MARK: Reading

    /// What a restarting daemon needs: each charger's last bucket and since, and the connectivity
    /// events and heartbeat slots of the last 24 h.
    public func restoredHistory(now: Date) throws -> RestoredHistory {
        try writer.read { db in
            var history = RestoredHistory()
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.chargerId, t.at, t.toBucket FROM bucketTransition t
                JOIN (SELECT chargerId, MAX(id) AS id FROM bucketTransition GROUP BY chargerId) last ON last.id = t.id
                """)
            for row in rows {
                let raw: String? = row["toBucket"]
                guard let raw, let bucket = HealthBucket(rawValue: raw) else { continue }
                history.lastBuckets[row["chargerId"]] = (bucket, Date(timeIntervalSince1970: row["at"]))
            }
            let events = try Row.fetchAll(db, sql: "SELECT chargerId, at, kind, count FROM connectivityEvent WHERE at >= ? ORDER BY at",
                                          arguments: [now.addingTimeInterval(-24 * 3600).timeIntervalSince1970])
            history.connectivityEvents = events.compactMap { row in
                guard let kind = ConnectivityEvent.Kind(rawValue: row["kind"]) else { return nil }
                return ConnectivityEvent(chargerID: row["chargerId"], at: Date(timeIntervalSince1970: row["at"]), kind: kind, count: row["count"])
            }
            let slots = try Row.fetchAll(db, sql: "SELECT * FROM heartbeatSlot WHERE hour > ? ORDER BY hour",
                                         arguments: [HeartbeatStatistics.hour(of: now) - 24])
            history.heartbeatSlots = slots.map { row in
                HeartbeatSlot(chargerID: row["chargerId"], hour: row["hour"],
                              sums: .init(intervals: row["intervals"], sum: row["sum"], sumOfSquares: row["sumOfSquares"]))
            }
            return history
        }
    }

    /// The transitions that decide availability over `[from, to)`: for each charger (optionally
    /// only `chargerID`), the last transition before `from` and every transition inside the period.
    public func transitions(from: Date, to: Date, chargerID: String? = nil) throws -> [BucketTransition] {
        try writer.read { db in
            var sql = """
                SELECT * FROM bucketTransition t WHERE
                  ((t.at >= :from AND t.at < :to)
                   OR t.id IN (SELECT MAX(id) FROM bucketTransition WHERE at < :from GROUP BY chargerId))
                """
            var arguments: [String: (any DatabaseValueConvertible)?] = ["from": from.timeIntervalSince1970, "to": to.timeIntervalSince1970]
            if let chargerID {
                sql += " AND t.chargerId = :charger"
                arguments["charger"] = chargerID
            }
            sql += " ORDER BY t.chargerId, t.at, t.id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                BucketTransition(
                    chargerID: row["chargerId"], at: Date(timeIntervalSince1970: row["at"]),
                    from: (row["fromBucket"] as String?).flatMap(HealthBucket.init(rawValue:)),
                    to: (row["toBucket"] as String?).flatMap(HealthBucket.init(rawValue:)),
                    site: row["site"], class: row["class"], reason: row["reason"], errorCode: row["errorCode"],
                    vendorErrorCode: row["vendorErrorCode"])
            }
        }
    }
}

public enum HealthStoreError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String {
        switch self {
        case .missing(let path): "no health history at \(path) (has `chargebus health` run with this --data?)"
        }
    }
}
