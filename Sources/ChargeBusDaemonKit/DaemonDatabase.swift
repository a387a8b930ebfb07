import Foundation
import GRDB

/// A daemon's own SQLite file. Each daemon owns one and nobody else writes it; the CLI reads it.
public enum DaemonDatabase {
    /// Opens `<directory>/<file>` and, unless read-only, creates the directory and runs the
    /// daemon's migrations (append-only, never edited).
    ///
    /// WAL with synchronous=NORMAL: a commit is durable across a daemon crash without an fsync per
    /// write (only a power loss can drop the last commits), and readers never block the daemon.
    public static func open(directory: String, file: String, readOnly: Bool, migrator: DatabaseMigrator) throws -> DatabaseQueue {
        if !readOnly { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        return try open(path: (directory as NSString).appendingPathComponent(file), readOnly: readOnly, migrator: migrator)
    }

    public static func open(path: String, readOnly: Bool, migrator: DatabaseMigrator) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        if !readOnly {
            configuration.prepareDatabase { db in
                // 16 MiB of page cache (the default is 2 MiB): outboxes and histories outgrow
                // the default quickly, and re-reading pages from the OS cost more than SQLite itself.
                try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384")
            }
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        if !readOnly { try migrator.migrate(queue) }
        return queue
    }
}
