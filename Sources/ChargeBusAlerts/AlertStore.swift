import ChargeBusContract
import ChargeBusDaemonKit
import Foundation
import GRDB

/// `<data>/alerts.sqlite`: every incident and transition, acks, silences, the engine's per-charger
/// tracks (so a restart resumes pending periods), the firing alerts, and unknown-code counts.
/// The schema only grows: migrations are append-only.
public final class AlertStore: Sendable {
    let db: DatabaseQueue

    public init(path: String, readOnly: Bool = false) throws {
        db = try DaemonDatabase.open(path: path, readOnly: readOnly, migrator: Self.migrator)
    }

    public init(directory: String, readOnly: Bool = false) throws {
        db = try DaemonDatabase.open(directory: directory, file: "alerts.sqlite", readOnly: readOnly, migrator: Self.migrator)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE incident (
                    alertId TEXT NOT NULL, incident INTEGER NOT NULL,
                    rule TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
                    charger TEXT NOT NULL, connector INTEGER NOT NULL, site TEXT, class TEXT,
                    since REAL NOT NULL, firedAt REAL NOT NULL, resolvedAt REAL,
                    summary TEXT NOT NULL, acknowledged INTEGER NOT NULL DEFAULT 0, ackBy TEXT, silenced INTEGER NOT NULL DEFAULT 0,
                    payload TEXT NOT NULL, updatedAt REAL NOT NULL,
                    PRIMARY KEY (alertId, incident));
                CREATE INDEX incident_charger ON incident(charger, firedAt);
                CREATE INDEX incident_state ON incident(state, firedAt);
                CREATE INDEX incident_fired ON incident(firedAt);
                CREATE TABLE transition (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, alertId TEXT NOT NULL, incident INTEGER NOT NULL,
                    at REAL NOT NULL, event TEXT NOT NULL, byWhom TEXT, note TEXT, silenceId TEXT);
                CREATE INDEX transition_alert ON transition(alertId, incident);
                CREATE TABLE ack (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, alertId TEXT NOT NULL, at REAL NOT NULL,
                    byWhom TEXT NOT NULL, note TEXT, accepted INTEGER NOT NULL, reason TEXT);
                CREATE TABLE silence (id TEXT PRIMARY KEY, payload TEXT NOT NULL, endsAt REAL NOT NULL, ended INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE track (charger TEXT PRIMARY KEY, payload BLOB NOT NULL);
                CREATE TABLE live (alertId TEXT PRIMARY KEY, payload BLOB NOT NULL);
                CREATE TABLE unknown_code (
                    vendorId TEXT NOT NULL, code TEXT NOT NULL, count INTEGER NOT NULL,
                    firstSeen REAL NOT NULL, lastSeen REAL NOT NULL, lastCharger TEXT NOT NULL,
                    PRIMARY KEY (vendorId, code));
                CREATE TABLE bad_payload (kind TEXT PRIMARY KEY, count INTEGER NOT NULL, lastAt REAL NOT NULL);
                """)
        }
        return m
    }

    static let encoder: JSONEncoder = BusCoding.makeEncoder()
    static let decoder: JSONDecoder = BusCoding.makeDecoder()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: Writes (daemon)

    /// Records one engine action. Called before the action is published, so a crash in between
    /// republishes (retained) from SQLite at the next start instead of losing the alert.
    public func record(_ actions: [EngineAction], engine: AlertEngine) throws {
        guard !actions.isEmpty else { return }
        try db.write { db in
            for action in actions {
                switch action {
                case .alert(let alert, let event):
                    try db.execute(sql: """
                        INSERT INTO incident (alertId, incident, rule, kind, severity, state, charger, connector, site, class,
                            since, firedAt, resolvedAt, summary, acknowledged, ackBy, silenced, payload, updatedAt)
                        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                        ON CONFLICT(alertId, incident) DO UPDATE SET state=excluded.state, severity=excluded.severity,
                            resolvedAt=excluded.resolvedAt, summary=excluded.summary, acknowledged=excluded.acknowledged,
                            ackBy=excluded.ackBy, silenced=excluded.silenced, payload=excluded.payload, updatedAt=excluded.updatedAt
                        """, arguments: [alert.id, alert.incident, alert.rule, alert.kind, alert.severity.rawValue, alert.state.rawValue,
                                         alert.charger, alert.connector, alert.site, alert.class,
                                         alert.since.timeIntervalSince1970, alert.firedAt.timeIntervalSince1970,
                                         alert.resolvedAt?.timeIntervalSince1970, alert.summary, alert.acknowledged, alert.ackBy,
                                         alert.silenced, try Self.json(alert), alert.at.timeIntervalSince1970])
                    if let event {
                        try db.execute(sql: "INSERT INTO transition (alertId, incident, at, event, byWhom, note, silenceId) VALUES (?,?,?,?,?,?,?)",
                                       arguments: [alert.id, alert.incident, event.at.timeIntervalSince1970, event.event.rawValue,
                                                   event.by, event.note, event.silenceId])
                        if event.event == .acknowledged {
                            try db.execute(sql: "INSERT INTO ack (alertId, at, byWhom, note, accepted) VALUES (?,?,?,?,1)",
                                           arguments: [alert.id, event.at.timeIntervalSince1970, event.by ?? "", event.note])
                        }
                    }
                    if let live = engine.live[alert.id] {
                        try db.execute(sql: "INSERT OR REPLACE INTO live (alertId, payload) VALUES (?, ?)",
                                       arguments: [alert.id, try Self.encoder.encode(live)])
                    } else {
                        try db.execute(sql: "DELETE FROM live WHERE alertId = ?", arguments: [alert.id])
                    }
                case .unknownCode(let vendorId, let code, let charger, let at):
                    try db.execute(sql: """
                        INSERT INTO unknown_code (vendorId, code, count, firstSeen, lastSeen, lastCharger) VALUES (?,?,1,?,?,?)
                        ON CONFLICT(vendorId, code) DO UPDATE SET count = count + 1, lastSeen = excluded.lastSeen, lastCharger = excluded.lastCharger
                        """, arguments: [vendorId ?? "", code, at.timeIntervalSince1970, at.timeIntervalSince1970, charger])
                case .silence(let silence, let ended):
                    try db.execute(sql: "INSERT OR REPLACE INTO silence (id, payload, endsAt, ended) VALUES (?,?,?,?)",
                                   arguments: [silence.id, try Self.json(silence), silence.endsAt.timeIntervalSince1970, ended])
                case .ackRejected(let id, let by, let reason):
                    try db.execute(sql: "INSERT INTO ack (alertId, at, byWhom, note, accepted, reason) VALUES (?,?,?,NULL,0,?)",
                                   arguments: [id, Date().timeIntervalSince1970, by, reason])
                }
            }
        }
    }

    /// Saves the tracks that changed, in one transaction.
    public func saveTracks(_ tracks: [(String, ChargerTrack?)]) throws {
        guard !tracks.isEmpty else { return }
        try db.write { db in
            for (charger, track) in tracks {
                if let track {
                    try db.execute(sql: "INSERT OR REPLACE INTO track (charger, payload) VALUES (?, ?)",
                                   arguments: [charger, try Self.encoder.encode(track)])
                } else {
                    try db.execute(sql: "DELETE FROM track WHERE charger = ?", arguments: [charger])
                }
            }
        }
    }

    public func countBadPayload(kind: String) {
        try? db.write { db in
            try db.execute(sql: "INSERT INTO bad_payload (kind, count, lastAt) VALUES (?, 1, ?) ON CONFLICT(kind) DO UPDATE SET count = count + 1, lastAt = excluded.lastAt",
                           arguments: [kind, Date().timeIntervalSince1970])
        }
    }

    // MARK: Restart

    public struct Snapshot: Sendable {
        public var tracks: [String: ChargerTrack]
        public var live: [LiveAlert]
        public var incidents: [String: Int]
        public var silences: [Silence]
    }

    public func loadSnapshot() throws -> Snapshot {
        try db.read { db in
            var tracks: [String: ChargerTrack] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT charger, payload FROM track") {
                let data: Data = row["payload"]
                if let track = try? Self.decoder.decode(ChargerTrack.self, from: data) { tracks[row["charger"]] = track }
            }
            let live = try Data.fetchAll(db, sql: "SELECT payload FROM live").compactMap { try? Self.decoder.decode(LiveAlert.self, from: $0) }
            var incidents: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT alertId, MAX(incident) AS n FROM incident GROUP BY alertId") {
                incidents[row["alertId"]] = row["n"]
            }
            let silences = try String.fetchAll(db, sql: "SELECT payload FROM silence WHERE ended = 0")
                .compactMap { try? Self.decoder.decode(Silence.self, from: Data($0.utf8)) }
            return Snapshot(tracks: tracks, live: live, incidents: incidents, silences: silences)
        }
    }

    // MARK: Queries (CLI)

    public struct Query: Sendable {
        public var site: String?
        public var state: AlertState?
        public var since: Date?
        public var rule: String?
        public var charger: String?
        public var limit: Int = 200
        public init(site: String? = nil, state: AlertState? = nil, since: Date? = nil, rule: String? = nil, charger: String? = nil, limit: Int = 200) {
            self.site = site
            self.state = state
            self.since = since
            self.rule = rule
            self.charger = charger
            self.limit = limit
        }
    }

    public func incidents(_ q: Query) throws -> [AlertPayload] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let site = q.site { clauses.append("site = ?"); args.append(site) }
        if let state = q.state { clauses.append("state = ?"); args.append(state.rawValue) }
        if let since = q.since { clauses.append("(firedAt >= ? OR resolvedAt >= ? OR state = 'firing')"); args.append(since.timeIntervalSince1970); args.append(since.timeIntervalSince1970) }
        if let rule = q.rule { clauses.append("(rule = ? OR kind = ?)"); args.append(rule); args.append(rule) }
        if let charger = q.charger { clauses.append("charger = ?"); args.append(charger) }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try db.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM incident \(whereSQL) ORDER BY firedAt DESC LIMIT \(q.limit)",
                                arguments: StatementArguments(args))
                .compactMap { try? Self.decoder.decode(AlertPayload.self, from: Data($0.utf8)) }
        }
    }

    public struct TransitionRow: Sendable, Codable {
        public var incident: Int
        public var at: Date
        public var event: String
        public var by: String?
        public var note: String?
        public var silenceId: String?
    }

    public func transitions(alertID: String) throws -> [TransitionRow] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT incident, at, event, byWhom, note, silenceId FROM transition WHERE alertId = ? ORDER BY id", arguments: [alertID]).map {
                TransitionRow(incident: $0["incident"], at: Date(timeIntervalSince1970: $0["at"]), event: $0["event"],
                              by: $0["byWhom"], note: $0["note"], silenceId: $0["silenceId"])
            }
        }
    }

    public func incidents(alertID: String) throws -> [AlertPayload] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM incident WHERE alertId = ? ORDER BY incident DESC", arguments: [alertID])
                .compactMap { try? Self.decoder.decode(AlertPayload.self, from: Data($0.utf8)) }
        }
    }

    public struct UnknownCode: Sendable, Codable {
        public var vendorId: String
        public var code: String
        public var count: Int
        public var firstSeen: Date
        public var lastSeen: Date
        public var lastCharger: String
    }

    public func unknownCodes() throws -> [UnknownCode] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM unknown_code ORDER BY count DESC, vendorId, code").map {
                UnknownCode(vendorId: $0["vendorId"], code: $0["code"], count: $0["count"],
                            firstSeen: Date(timeIntervalSince1970: $0["firstSeen"]), lastSeen: Date(timeIntervalSince1970: $0["lastSeen"]),
                            lastCharger: $0["lastCharger"])
            }
        }
    }

    public func silences(includeEnded: Bool) throws -> [Silence] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM silence \(includeEnded ? "" : "WHERE ended = 0") ORDER BY endsAt")
                .compactMap { try? Self.decoder.decode(Silence.self, from: Data($0.utf8)) }
        }
    }
}
