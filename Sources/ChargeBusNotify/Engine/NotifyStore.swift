import ChargeBusContract
import ChargeBusDaemonKit
import Foundation
import GRDB

/// Where a notification stands in the outbox.
public enum OutboxState: String, Codable, Sendable, Hashable, CaseIterable {
    /// Written, not tried yet.
    case queued
    /// A send is under way. Found at startup, it is in doubt (the daemon died mid-send) and is sent
    /// again with the same idempotency key, which the receiving side can deduplicate on.
    case sending
    /// Failed temporarily; tried again at `nextAttemptAt`.
    case retrying
    case sent
    case failed
}

/// One row of the outbox: a notification, its content and its delivery history so far.
public struct OutboxEntry: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "outbox"

    /// The idempotency key.
    public var key: String
    public var createdAt: Date
    public var kind: String
    public var channel: String
    public var technician: String?
    public var recipientName: String
    public var address: String
    public var route: String
    public var site: String?
    public var step: Int
    /// JSON arrays of the alert ids and charger ids in the message.
    public var alerts: String
    public var chargers: String
    /// The `NotificationContent`, JSON.
    public var content: String
    /// The `RenderedMessage`, JSON; nil when rendering failed.
    public var rendered: String?
    /// Why these recipients, JSON array of strings.
    public var reasons: String
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var detail: String?
    public var sentAt: Date?
    public var failedAt: Date?
    public var updatedAt: Date

    public var outboxState: OutboxState { OutboxState(rawValue: state) ?? .failed }
    public var alertIDs: [String] { (try? JSONDecoder().decode([String].self, from: Data(alerts.utf8))) ?? [] }
    public var chargerIDs: [String] { (try? JSONDecoder().decode([String].self, from: Data(chargers.utf8))) ?? [] }
    public var reasonList: [String] { (try? JSONDecoder().decode([String].self, from: Data(reasons.utf8))) ?? [] }

    public var recipient: Recipient {
        Recipient(technician: technician, name: recipientName, channel: ChannelKind(rawValue: channel) ?? .email, address: address)
    }

    public func decodedContent() throws -> NotificationContent {
        try NotifyStore.decoder.decode(NotificationContent.self, from: Data(content.utf8))
    }

    public func decodedMessage() -> RenderedMessage? {
        guard let rendered else { return nil }
        return try? NotifyStore.decoder.decode(RenderedMessage.self, from: Data(rendered.utf8))
    }

    /// The bus event for this row in its current state.
    public func event(_ kind: NotificationEvent.Kind, at: Date) -> NotificationEvent {
        NotificationEvent(
            at: at, event: kind, id: key, kind: self.kind, channel: channel, technician: technician, recipient: recipientName,
            address: NotificationEvent.mask(address), route: route, site: site, step: step, alerts: alertIDs, chargers: chargerIDs,
            attempt: attempts, reason: kind == .sent ? nil : lastError, detail: kind == .sent ? detail : nil,
            nextAttemptAt: kind == .retrying ? nextAttemptAt : nil)
    }
}

/// One try of a send, for `chargebus notify history --id`.
public struct DeliveryAttempt: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "attempt"
    public var key: String
    public var attempt: Int
    public var at: Date
    /// `sent`, `temporary`, `permanent`, `in-doubt`.
    public var result: String
    public var detail: String?
}

/// What to list in `chargebus notify history`.
public struct HistoryFilter: Sendable {
    public var alert: String?
    public var technician: String?
    public var charger: String?
    public var channel: String?
    public var state: OutboxState?
    public var since: Date?
    public var limit: Int

    public init(alert: String? = nil, technician: String? = nil, charger: String? = nil, channel: String? = nil, state: OutboxState? = nil,
                since: Date? = nil, limit: Int = 50) {
        self.alert = alert
        self.technician = technician
        self.charger = charger
        self.channel = channel
        self.state = state
        self.since = since
        self.limit = limit
    }
}

/// `<data>/notify.sqlite`: the outbox (every notification, written before it is sent, with its
/// delivery attempts), the followed alerts, the groups waiting out `group_wait`, and the alert
/// events already handled. Migrations are append-only.
public final class NotifyStore: Sendable {
    let db: DatabaseQueue

    static let encoder: JSONEncoder = BusCoding.makeEncoder()
    static let decoder: JSONDecoder = BusCoding.makeDecoder()

    public init(path: String, readOnly: Bool = false) throws {
        db = try DaemonDatabase.open(path: path, readOnly: readOnly, migrator: Self.migrator)
    }

    public init(directory: String, readOnly: Bool = false) throws {
        db = try DaemonDatabase.open(directory: directory, file: "notify.sqlite", readOnly: readOnly, migrator: Self.migrator)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    key TEXT PRIMARY KEY, createdAt REAL NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL,
                    technician TEXT, recipientName TEXT NOT NULL, address TEXT NOT NULL, route TEXT NOT NULL, site TEXT,
                    step INTEGER NOT NULL, alerts TEXT NOT NULL, chargers TEXT NOT NULL, content TEXT NOT NULL, rendered TEXT,
                    reasons TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, nextAttemptAt REAL NOT NULL,
                    lastError TEXT, detail TEXT, sentAt REAL, failedAt REAL, updatedAt REAL NOT NULL);
                CREATE INDEX outbox_due ON outbox(state, nextAttemptAt);
                CREATE INDEX outbox_created ON outbox(createdAt);
                CREATE TABLE attempt (
                    key TEXT NOT NULL, attempt INTEGER NOT NULL, at REAL NOT NULL, result TEXT NOT NULL, detail TEXT,
                    PRIMARY KEY (key, attempt));
                CREATE TABLE track (key TEXT PRIMARY KEY, payload BLOB NOT NULL);
                CREATE TABLE pending_group (key TEXT PRIMARY KEY, payload BLOB NOT NULL);
                CREATE TABLE handled_event (key TEXT PRIMARY KEY, at REAL NOT NULL);
                CREATE INDEX handled_event_at ON handled_event(at);
                CREATE TABLE bad_payload (kind TEXT PRIMARY KEY, count INTEGER NOT NULL, lastAt REAL NOT NULL);
                """)
        }
        return m
    }

    // MARK: Engine state

    public func loadTracks() throws -> [AlertTrack] {
        try db.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM track ORDER BY key").compactMap { try? Self.decoder.decode(AlertTrack.self, from: $0) }
        }
    }

    public func loadGroups() throws -> [PendingGroup] {
        try db.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM pending_group ORDER BY key").compactMap {
                try? Self.decoder.decode(PendingGroup.self, from: $0)
            }
        }
    }

    public func isHandled(_ eventKey: String) throws -> Bool {
        try db.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM handled_event WHERE key = ?", arguments: [eventKey]) ?? false }
    }

    /// Writes one engine step in one transaction: the event as handled, the state changes, and the
    /// planned notifications (an idempotency key already in the outbox is skipped). Returns the
    /// entries that are new.
    public func apply(_ effects: EngineEffects, rendered: [String: Result<RenderedMessage, TemplateError>], handledEvent: String?,
                      at now: Date) throws -> [OutboxEntry] {
        try db.write { db in
            if let handledEvent {
                try db.execute(sql: "INSERT OR IGNORE INTO handled_event (key, at) VALUES (?, ?)", arguments: [handledEvent, now])
            }
            for (key, track) in effects.upsertedTracks {
                try db.execute(sql: "INSERT OR REPLACE INTO track (key, payload) VALUES (?, ?)", arguments: [key.text, try Self.encoder.encode(track)])
            }
            for key in effects.deletedTracks {
                try db.execute(sql: "DELETE FROM track WHERE key = ?", arguments: [key.text])
            }
            for (key, group) in effects.upsertedGroups {
                try db.execute(sql: "INSERT OR REPLACE INTO pending_group (key, payload) VALUES (?, ?)",
                               arguments: [key.text, try Self.encoder.encode(group)])
            }
            for key in effects.deletedGroups {
                try db.execute(sql: "DELETE FROM pending_group WHERE key = ?", arguments: [key.text])
            }
            var inserted: [OutboxEntry] = []
            for planned in effects.planned {
                var entry = try Self.entry(for: planned, at: now)
                switch rendered[planned.key] {
                case .success(let message)?:
                    entry.rendered = String(decoding: try Self.encoder.encode(message), as: UTF8.self)
                case .failure(let error)?:
                    entry.state = OutboxState.failed.rawValue
                    entry.lastError = "template: \(error.reason)"
                    entry.failedAt = now
                case nil:
                    entry.state = OutboxState.failed.rawValue
                    entry.lastError = "not rendered"
                    entry.failedAt = now
                }
                try entry.insert(db, onConflict: .ignore)
                if db.changesCount > 0 { inserted.append(entry) }
            }
            return inserted
        }
    }

    static func entry(for planned: PlannedNotification, at now: Date) throws -> OutboxEntry {
        let content = planned.content
        let alerts = content.items.map(\.alert.id)
        let chargers = Array(Set(content.items.map(\.alert.charger))).sorted()
        return OutboxEntry(
            key: planned.key, createdAt: now, kind: content.kind.rawValue, channel: content.recipient.channel.rawValue,
            technician: content.recipient.technician, recipientName: content.recipient.name, address: content.recipient.address,
            route: content.route, site: content.site, step: content.escalationStep,
            alerts: String(decoding: try encoder.encode(alerts), as: UTF8.self),
            chargers: String(decoding: try encoder.encode(chargers), as: UTF8.self),
            content: String(decoding: try encoder.encode(content), as: UTF8.self), rendered: nil,
            reasons: String(decoding: try encoder.encode(planned.reasons), as: UTF8.self),
            state: OutboxState.queued.rawValue, attempts: 0, nextAttemptAt: now, lastError: nil, detail: nil, sentAt: nil,
            failedAt: nil, updatedAt: now)
    }

    /// Forgets handled alert events older than `before`: the broker redelivers within a session's
    /// lifetime, not after a week.
    public func pruneHandledEvents(before: Date) throws {
        try db.write { db in try db.execute(sql: "DELETE FROM handled_event WHERE at < ?", arguments: [before]) }
    }

    // MARK: Outbox

    /// Sends that were under way when the daemon stopped: in doubt, so they go again (same key).
    public func recoverInDoubt(at now: Date) throws -> [OutboxEntry] {
        try db.write { db in
            let entries = try OutboxEntry.fetchAll(db, sql: "SELECT * FROM outbox WHERE state = ?", arguments: [OutboxState.sending.rawValue])
            for entry in entries {
                try db.execute(sql: "UPDATE outbox SET state = ?, nextAttemptAt = ?, updatedAt = ? WHERE key = ?",
                               arguments: [OutboxState.retrying.rawValue, now, now, entry.key])
                try db.execute(sql: "INSERT OR REPLACE INTO attempt (key, attempt, at, result, detail) VALUES (?, ?, ?, 'in-doubt', ?)",
                               arguments: [entry.key, entry.attempts, now, "the daemon stopped during this attempt; sending again with the same key"])
            }
            return entries
        }
    }

    /// Claims up to `limit` due entries, marking each `sending` with its attempt counted, before any is sent.
    public func claimDue(at now: Date, limit: Int) throws -> [OutboxEntry] {
        try db.write { db in
            // One indexed range per state: `state IN (…) ORDER BY nextAttemptAt` made SQLite sort
            // every due row on each claim, which made a long queue quadratic.
            var entries: [OutboxEntry] = []
            for state in [OutboxState.queued, .retrying] {
                entries += try OutboxEntry.fetchAll(db, sql: """
                    SELECT * FROM outbox WHERE state = ? AND nextAttemptAt <= ? ORDER BY nextAttemptAt LIMIT ?
                    """, arguments: [state.rawValue, now, limit])
            }
            entries.sort { $0.nextAttemptAt < $1.nextAttemptAt }
            entries = Array(entries.prefix(limit))
            for index in entries.indices {
                entries[index].state = OutboxState.sending.rawValue
                entries[index].attempts += 1
                entries[index].updatedAt = now
                try db.execute(sql: "UPDATE outbox SET state = 'sending', attempts = ?, updatedAt = ? WHERE key = ?",
                               arguments: [entries[index].attempts, now, entries[index].key])
            }
            return entries
        }
    }

    public func nextAttemptDue() throws -> Date? {
        try db.read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM outbox WHERE state IN ('queued', 'retrying')")
        }
    }

    @discardableResult
    public func markSent(_ key: String, detail: String, at now: Date) throws -> OutboxEntry? {
        try entry(key).map { try markSent($0, detail: detail, at: now) }
    }

    @discardableResult
    public func markRetry(_ key: String, reason: String, next: Date, at now: Date) throws -> OutboxEntry? {
        try entry(key).map { try markRetry($0, reason: reason, next: next, at: now) }
    }

    @discardableResult
    public func markFailed(_ key: String, reason: String, at now: Date) throws -> OutboxEntry? {
        try entry(key).map { try markFailed($0, reason: reason, at: now) }
    }

    // The entry-based forms write only the columns that change (the message and its content stay
    // as they are), from the entry the worker already holds.

    public func markSent(_ entry: OutboxEntry, detail: String, at now: Date) throws -> OutboxEntry {
        var entry = entry
        entry.state = OutboxState.sent.rawValue
        entry.detail = detail
        entry.sentAt = now
        entry.lastError = nil
        entry.updatedAt = now
        try record(entry, attempt: DeliveryAttempt(key: entry.key, attempt: entry.attempts, at: now, result: "sent", detail: detail))
        return entry
    }

    public func markRetry(_ entry: OutboxEntry, reason: String, next: Date, at now: Date) throws -> OutboxEntry {
        var entry = entry
        entry.state = OutboxState.retrying.rawValue
        entry.lastError = reason
        entry.nextAttemptAt = next
        entry.updatedAt = now
        try record(entry, attempt: DeliveryAttempt(key: entry.key, attempt: entry.attempts, at: now, result: "temporary", detail: reason))
        return entry
    }

    public func markFailed(_ entry: OutboxEntry, reason: String, at now: Date) throws -> OutboxEntry {
        var entry = entry
        entry.state = OutboxState.failed.rawValue
        entry.lastError = reason
        entry.failedAt = now
        entry.updatedAt = now
        try record(entry, attempt: DeliveryAttempt(key: entry.key, attempt: entry.attempts, at: now, result: "permanent", detail: reason))
        return entry
    }

    private func record(_ entry: OutboxEntry, attempt: DeliveryAttempt) throws {
        try db.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = ?, attempts = ?, nextAttemptAt = ?, lastError = ?, detail = ?, sentAt = ?, failedAt = ?,
                updatedAt = ? WHERE key = ?
                """, arguments: [entry.state, entry.attempts, entry.nextAttemptAt, entry.lastError, entry.detail, entry.sentAt,
                                 entry.failedAt, entry.updatedAt, entry.key])
            try attempt.save(db)
        }
    }

    // MARK: Reading (the CLI, status)

    public func entry(_ key: String) throws -> OutboxEntry? {
        try db.read { db in try OutboxEntry.fetchOne(db, key: key) }
    }

    public func attempts(_ key: String) throws -> [DeliveryAttempt] {
        try db.read { db in
            try DeliveryAttempt.fetchAll(db, sql: "SELECT * FROM attempt WHERE key = ? ORDER BY attempt, at", arguments: [key])
        }
    }

    public func history(_ filter: HistoryFilter) throws -> [OutboxEntry] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let alert = filter.alert {
            clauses.append("EXISTS (SELECT 1 FROM json_each(outbox.alerts) WHERE json_each.value = ?)")
            arguments.append(alert)
        }
        if let charger = filter.charger {
            clauses.append("EXISTS (SELECT 1 FROM json_each(outbox.chargers) WHERE json_each.value = ?)")
            arguments.append(charger)
        }
        if let technician = filter.technician {
            clauses.append("technician = ?")
            arguments.append(technician)
        }
        if let channel = filter.channel {
            clauses.append("channel = ?")
            arguments.append(channel)
        }
        if let state = filter.state {
            clauses.append("state = ?")
            arguments.append(state.rawValue)
        }
        if let since = filter.since {
            clauses.append("createdAt >= ?")
            arguments.append(since)
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments.append(filter.limit)
        return try db.read { db in
            try OutboxEntry.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM outbox \(whereClause) ORDER BY createdAt DESC, key LIMIT ?) ORDER BY createdAt, key",
                                     arguments: StatementArguments(arguments))
        }
    }

    /// Sends waiting or under way (index only).
    public func pendingCount() throws -> Int {
        try db.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'retrying', 'sending')") ?? 0
        }
    }

    public struct Counts: Sendable, Hashable {
        public var pending: Int
        public var failed: Int
        public var sent: Int
        public var grouped: Int
        public var tracked: Int
    }

    public func counts() throws -> Counts {
        try db.read { db in
            Counts(
                pending: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'retrying', 'sending')") ?? 0,
                failed: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'failed'") ?? 0,
                sent: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") ?? 0,
                grouped: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_group") ?? 0,
                tracked: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM track") ?? 0)
        }
    }

    public func countBadPayload(kind: String, at now: Date) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO bad_payload (kind, count, lastAt) VALUES (?, 1, ?)
                ON CONFLICT(kind) DO UPDATE SET count = count + 1, lastAt = excluded.lastAt
                """, arguments: [kind, now])
        }
    }
}
