import ChargeBusContract
import Foundation
import GRDB

/// `<data>/commands.sqlite`: the audit log and request-id idempotency.
///
/// - `requests`: one row per request id, inserted BEFORE anything is sent to the charger. A second request
///   with the same id finds it and gets the stored result; a daemon that crashed mid-command finds the row
///   unfinished at startup and never re-sends it.
/// - `audit`: append-only. Every request, its decision, each OCPP call, the charger's answer, and the final
///   status, with the user and the time.
/// - `limited_sessions`: remote starts the daemon must stop by itself, so a restart still stops them.
///
/// Migrations are append-only: never edit a registered one, add the next.
///
/// Durability: WAL with `synchronous = NORMAL` for the audit trail (a commit is a WAL append, no fsync;
/// nothing is lost when the process dies, the last instants may be lost if the host loses power), but
/// `begin` commits with `synchronous = FULL`: the request row that prevents a second execution is on
/// disk before the command is sent. Measured: one fsync per command instead of five.
public final class CommandStore: Sendable {
    let db: any DatabaseWriter

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        db = try DatabasePool(path: (directory as NSString).appendingPathComponent("commands.sqlite"), configuration: configuration)
        try Self.migrator.migrate(db)
    }

    /// In memory, for tests.
    public init() throws {
        db = try DatabaseQueue()
        try Self.migrator.migrate(db)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "requests") { t in
                t.primaryKey("id", .text)
                t.column("charger", .text).notNull()
                t.column("command", .text).notNull()
                t.column("user", .text)
                t.column("receivedAt", .double).notNull()
                t.column("request", .text).notNull()
                t.column("status", .text)
                t.column("result", .text)
                t.column("final", .boolean).notNull().defaults(to: false)
                t.column("updatedAt", .double).notNull()
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("at", .double).notNull()
                t.column("requestId", .text)
                t.column("charger", .text)
                t.column("command", .text)
                t.column("user", .text)
                t.column("kind", .text).notNull()
                t.column("detail", .text)
            }
            try db.create(index: "audit_by_charger", on: "audit", columns: ["charger", "at"])
            try db.create(index: "audit_by_user", on: "audit", columns: ["user", "at"])
            try db.create(table: "limited_sessions") { t in
                t.primaryKey("requestId", .text)
                t.column("session", .text).notNull()
            }
        }
        return migrator
    }

    public struct StoredRequest: Sendable, Hashable {
        public var id: String
        public var charger: String
        public var command: String
        public var user: String?
        public var receivedAt: Date
        /// The request as received.
        public var payload: String
        public var result: CommandResult?
        public var final: Bool
    }

    public enum Begin: Sendable, Hashable {
        case new
        case duplicate(StoredRequest)
    }

    /// Records a request before acting on it, or returns the first request with this id.
    /// With `decision`, the decision is recorded in the same transaction; with `result` (a request answered at
    /// once: denied, invalid, offline…), the result too.
    public func begin(id: String, charger: String, command: String, user: String?, payload: [UInt8], at: Date,
                      decision: String? = nil, result: CommandResult? = nil) throws -> Begin {
        let resultJSON = try result.map { String(decoding: try BusCoding.encode($0), as: UTF8.self) }
        return try db.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            var outcome = Begin.new
            try db.inTransaction {
                if let existing = try Self.fetchRequest(db, id: id) {
                    outcome = .duplicate(existing)
                    return .commit
                }
                try db.execute(sql: """
                    INSERT INTO requests (id, charger, command, user, receivedAt, request, status, result, final, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, charger, command, user, at.timeIntervalSince1970, String(decoding: payload, as: UTF8.self),
                                     result?.status.rawValue, resultJSON, result?.final ?? false, at.timeIntervalSince1970])
                try Self.insertAudit(db, at: at, requestId: id, charger: charger, command: command, user: user, kind: "received",
                                     detail: String(decoding: payload, as: UTF8.self))
                if let decision {
                    try Self.insertAudit(db, at: at, requestId: id, charger: charger, command: command, user: user, kind: "decision", detail: decision)
                }
                if let result, let resultJSON {
                    try Self.insertAudit(db, at: result.at, requestId: id, charger: charger, command: command, user: user,
                                         kind: result.final ? "result" : "progress", detail: resultJSON)
                }
                return .commit
            }
            return outcome
        }
    }

    /// Whether a request id was seen, without recording anything.
    public func existing(id: String) throws -> StoredRequest? {
        try db.read { db in try Self.fetchRequest(db, id: id) }
    }

    public func audit(at: Date, requestId: String?, charger: String?, command: String?, user: String?, kind: String, detail: String?) throws {
        try db.write { db in
            try Self.insertAudit(db, at: at, requestId: requestId, charger: charger, command: command, user: user, kind: kind, detail: detail)
        }
    }

    /// Stores a result (the first final one wins: a duplicate id must keep getting it).
    public func record(_ result: CommandResult) throws {
        let json = String(decoding: try BusCoding.encode(result), as: UTF8.self)
        try db.write { db in
            try db.execute(sql: """
                UPDATE requests SET status = ?, result = ?, final = ?, updatedAt = ? WHERE id = ? AND final = 0
                """, arguments: [result.status.rawValue, json, result.final, result.at.timeIntervalSince1970, result.id])
            try Self.insertAudit(db, at: result.at, requestId: result.id, charger: result.charger, command: result.command,
                                 user: result.by, kind: result.final ? "result" : "progress", detail: json)
        }
    }

    public func request(id: String) throws -> StoredRequest? {
        try db.read { db in try Self.fetchRequest(db, id: id) }
    }

    /// Requests without a final result: the daemon stopped while they ran.
    public func unfinished() throws -> [StoredRequest] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM requests WHERE final = 0 ORDER BY receivedAt").map(Self.stored)
        }
    }

    public func save(_ session: LimitedSession) throws {
        let json = String(decoding: try BusCoding.encode(session), as: UTF8.self)
        try db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO limited_sessions (requestId, session) VALUES (?, ?)", arguments: [session.requestId, json])
        }
    }

    public func removeSession(requestId: String) throws {
        try db.write { db in try db.execute(sql: "DELETE FROM limited_sessions WHERE requestId = ?", arguments: [requestId]) }
    }

    public func limitedSessions() throws -> [LimitedSession] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT session FROM limited_sessions").compactMap {
                try? BusCoding.decode(LimitedSession.self, from: Array($0.utf8))
            }
        }
    }

    public struct AuditEntry: Sendable, Hashable, Codable {
        public var seq: Int64
        public var at: Date
        public var requestId: String?
        public var charger: String?
        public var command: String?
        public var user: String?
        public var kind: String
        public var detail: String?
    }

    /// `chargebus commands audit`: newest last.
    public func auditEntries(charger: String? = nil, user: String? = nil, since: Date? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let charger { clauses.append("charger = ?"); arguments.append(charger) }
        if let user { clauses.append("user = ?"); arguments.append(user) }
        if let since { clauses.append("at >= ?"); arguments.append(since.timeIntervalSince1970) }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments.append(limit)
        return try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM audit \(whereClause) ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                             arguments: StatementArguments(arguments)).map { row in
                AuditEntry(seq: row["seq"], at: Date(timeIntervalSince1970: row["at"]), requestId: row["requestId"], charger: row["charger"],
                           command: row["command"], user: row["user"], kind: row["kind"], detail: row["detail"])
            }
        }
    }

    private static func insertAudit(_ db: Database, at: Date, requestId: String?, charger: String?, command: String?, user: String?,
                                    kind: String, detail: String?) throws {
        try db.execute(sql: """
            INSERT INTO audit (at, requestId, charger, command, user, kind, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [at.timeIntervalSince1970, requestId, charger, command, user, kind, detail])
    }

    private static func fetchRequest(_ db: Database, id: String) throws -> StoredRequest? {
        try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE id = ?", arguments: [id]).map(stored)
    }

    private static func stored(_ row: Row) -> StoredRequest {
        let resultText: String? = row["result"]
        return StoredRequest(id: row["id"], charger: row["charger"], command: row["command"], user: row["user"],
                             receivedAt: Date(timeIntervalSince1970: row["receivedAt"]), payload: row["request"],
                             result: resultText.flatMap { try? BusCoding.decode(CommandResult.self, from: Array($0.utf8)) },
                             final: row["final"])
    }
}
