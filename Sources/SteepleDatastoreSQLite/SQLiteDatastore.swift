import GRDB
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The default datastore: one SQLite file, through GRDB.
///
/// **Durability.** The file is in WAL mode (readers never block the writer) with `synchronous=FULL`: every
/// commit fsyncs the write-ahead log before the call returns. GRDB's default for WAL is `NORMAL`, which
/// already survives a crash of this process (`kill -9`: the log is in the OS page cache), but may lose the last
/// commits on power loss or a kernel crash. The server acknowledges a registration to an operator, and the
/// change log it returns is what other servers and agents follow, so an acknowledged write must not vanish:
/// we pay one fsync per transaction (batches are one transaction) to get that.
///
/// **Concurrency.** One writer connection serialises every mutation, so the change log's sequence (an
/// `AUTOINCREMENT` key, rolled back with a failed transaction) is gap-free and in commit order. Reads run on a
/// pool of reader connections, each on a consistent snapshot.
///
/// **Files.** The database file and its `-wal` and `-shm` files are mode 0600: created so, and tightened on open
/// when an older build or a hand left them looser.
///
/// **Schema.** Versioned migrations, named `v1`, `v2`…, recorded in `grdb_migrations` (see
/// ``SQLiteMigrations``). Opening a file migrated by a newer build fails with `migration` rather than guessing.
package final class SQLiteDatastore: Sendable {
    /// The database file, or `:memory:` for a private in-memory database.
    package let path: String
    let writer: any DatabaseWriter
    /// The clock for `createdAt` and `updatedAt`.
    let now: @Sendable () -> Date
    /// Told about each stored entry a list skips because it cannot be used (see ``UnreadableRecordHandler``).
    let unreadable: UnreadableRecordHandler

    /// Opens (creating if needed) the database file at `path` and migrates it to the current schema.
    ///
    /// - Parameters:
    ///   - path: the file; its directory must exist. SQLite adds `-wal` and `-shm` files beside it.
    ///   - now: the clock for `createdAt` and `updatedAt`.
    ///   - unreadable: told the ID and the error of each stored entry that lists and the entry index's reads skip
    ///     because it does not decode into a valid entry; a fetch by ID of it throws `corruptRecord` instead.
    /// - Throws: ``DatastoreError/Code/storage`` when the file cannot be opened or is not a database;
    ///   ``DatastoreError/Code/migration`` when migrating fails or the file has a newer schema.
    package convenience init(
        path: String,
        now: @escaping @Sendable () -> Date = { Date() },
        unreadable: @escaping UnreadableRecordHandler = { _, _ in }
    ) throws(DatastoreError) {
        let pool: DatabasePool
        Self.createFileIfMissing(path)
        Self.tightenFileModes(path)
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
            // GRDB sets synchronous=NORMAL when it turns WAL on, after `prepareDatabase`: override it here, on the
            // one connection that writes.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } catch {
            throw Self.storageError("cannot open the SQLite database at \(path)", error)
        }
        try self.init(path: path, writer: pool, now: now, unreadable: unreadable)
        // The -wal and -shm files now exist: any left loose by an older build are tightened too.
        Self.tightenFileModes(path)
    }

    /// Opens a private in-memory SQLite database (no WAL, nothing survives): for tests of SQL behaviour.
    ///
    /// - Throws: ``DatastoreError/Code/storage`` or ``DatastoreError/Code/migration``.
    package static func inMemory(
        now: @escaping @Sendable () -> Date = { Date() },
        unreadable: @escaping UnreadableRecordHandler = { _, _ in }
    ) throws(DatastoreError) -> SQLiteDatastore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw storageError("cannot open an in-memory SQLite database", error)
        }
        return try SQLiteDatastore(path: ":memory:", writer: queue, now: now, unreadable: unreadable)
    }

    private init(
        path: String,
        writer: any DatabaseWriter,
        now: @escaping @Sendable () -> Date,
        unreadable: @escaping UnreadableRecordHandler
    ) throws(DatastoreError) {
        self.path = path
        self.writer = writer
        self.now = now
        self.unreadable = unreadable
        try SQLiteMigrations.migrate(writer, path: path)
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "SteepleDatastore"
        configuration.foreignKeysEnabled = true
        // Another process (a second server, the CLI, a crash-recovery check) may hold the write lock briefly.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        return configuration
    }

    /// Closes the connections. Later calls fail with `storage`.
    ///
    /// - Throws: ``DatastoreError/Code/storage`` when a connection cannot close.
    package func close() throws(DatastoreError) {
        // Checkpoint and truncate the WAL first. SQLite checkpoints when the last connection closes, but a pool's
        // readers are read-only and may close last, leaving every page written since the last checkpoint in the WAL
        // (tens of MiB after a bulk write); the next start would read through it, and a 1,000,000-entry cold start
        // measured 1.3 s slower. A checkpoint that cannot finish (a reader still busy) is not an error: the WAL is
        // then replayed by the next open, as after a crash.
        _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        do {
            try writer.close()
        } catch {
            throw Self.storageError("cannot close the SQLite database at \(path)", error)
        }
    }

    /// The identifiers of the migrations applied to the file, in order (e.g. `["v1"]`).
    package func appliedMigrations() async throws(DatastoreError) -> [String] {
        try await read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    /// The writer connection's `PRAGMA synchronous` (2: `FULL`) and `PRAGMA journal_mode` (`wal` for a file).
    package func durabilitySettings() async throws(DatastoreError) -> (synchronous: Int, journalMode: String) {
        do {
            return try await writer.writeWithoutTransaction { db in
                let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                let journalMode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
                return (synchronous, journalMode)
            }
        } catch {
            throw Self.mapError(error)
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction: it commits if `body` returns and rolls back if it throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(DatastoreError) -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Runs `body` on a consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(DatastoreError) -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Appends a change event in the current transaction and returns its sequence number.
    static func appendEvent(_ db: Database, _ kind: ChangeEvent.Kind, _ id: String, at date: Date) throws -> UInt64 {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO change_log (kind, object_id, created_at) VALUES (?, ?, ?)"
        )
        try statement.execute(arguments: [kind.rawValue, id, DatastoreTime.seconds(date)])
        return UInt64(db.lastInsertedRowID)
    }

    // MARK: Errors

    /// Keeps a ``DatastoreError`` thrown inside a transaction; wraps anything else as `storage`.
    static func mapError(_ error: any Error) -> DatastoreError {
        if let error = error as? DatastoreError {
            return error
        }
        return storageError("SQLite operation failed", error)
    }

    static func storageError(_ message: String, _ error: any Error) -> DatastoreError {
        if let error = error as? DatastoreError {
            return error
        }
        if let error = error as? DatabaseError {
            return DatastoreError(
                code: .storage,
                message: "\(message): \(error.message ?? "\(error.resultCode)")",
                cause: error
            )
        }
        return DatastoreError(code: .storage, message: "\(message): \(error)")
    }
}
