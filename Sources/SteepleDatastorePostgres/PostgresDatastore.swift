import Logging
import NIOCore
import NIOPosix
import NIOSSL
package import PostgresNIO
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The datastore of several servers of one trust domain: a PostgreSQL database, through postgres-nio, with SPIRE's
/// `connection_string` (and `ro_connection_string`).
///
/// **One writer at a time, across servers.** Every write transaction first locks the one row of `change_log_head`
/// (`SELECT … FOR UPDATE`), so writes from every server are serialised as SQLite's single writer serialises them in
/// one process: the checks a write makes (does the ID exist, is there a duplicate) see every write committed before
/// it, and the change log's sequence numbers, taken from that row, are gap-free and in commit order — a reader that
/// saw event N has seen every event before N. The lock is held for one transaction (a few round trips on a LAN).
///
/// **Reads** run on a consistent snapshot (`REPEATABLE READ READ ONLY`) when they take several statements; an entry
/// or node comes back with its child rows in one statement (array subqueries). The listings and counts of the admin
/// API go to `ro_connection_string` when one is given (SPIRE's "tolerate stale" reads); everything the servers'
/// indexes follow (the change log and the fetches by key behind it) reads the primary.
///
/// **Schema.** Versioned migrations in `steeple_migrations`, applied under an advisory lock so that servers starting
/// together migrate once; a database migrated by a newer build is refused (``PostgresMigrations``).
package final class PostgresDatastore: Sendable {
    let client: PostgresClient
    let readOnlyClient: PostgresClient
    private let runner: Task<Void, Never>
    /// One element per client whose `run()` is about to be called (see ``waitUntilRunning()``).
    private let running: AsyncStream<Void>
    let logger: Logger
    /// The clock for `createdAt` and `updatedAt`.
    let now: @Sendable () -> Date
    /// Told about each stored record a list skips because it cannot be used.
    let unreadable: UnreadableRecordHandler
    /// The primary's connection string with its password redacted, for messages.
    package let description: String

    /// Connects to the database (and the read replica, when given), checks that it answers, and migrates it.
    ///
    /// - Parameters:
    ///   - connectionString: SPIRE's `connection_string`, either libpq form.
    ///   - readOnlyConnectionString: SPIRE's `ro_connection_string`, or `nil` to read from the primary.
    ///   - maxConnections: SPIRE's `max_open_conns`: the most connections each pool opens (on demand), or `nil` for no
    ///     limit but PostgreSQL's `max_connections`.
    ///   - now: the clock for `createdAt` and `updatedAt`.
    ///   - unreadable: told the key and the error of each stored record that lists skip.
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for a connection string that does not parse or a TLS file
    ///   that cannot be read; ``DatastoreError/Code/storage`` when the server does not answer within the connect
    ///   timeout; ``DatastoreError/Code/migration``.
    package static func connect(
        connectionString: String,
        readOnlyConnectionString: String? = nil,
        maxConnections: Int? = 100,
        now: @escaping @Sendable () -> Date = { Date() },
        unreadable: @escaping UnreadableRecordHandler = { _, _ in },
        logger: Logger = Logger(label: "steeple.datastore.postgres")
    ) async throws(DatastoreError) -> PostgresDatastore {
        let primary = try settings(connectionString, "connection_string")
        let replica = try readOnlyConnectionString.map { (string) throws(DatastoreError) in try settings(string, "ro_connection_string") }
        let client = PostgresClient(configuration: try configuration(primary, maxConnections: maxConnections), backgroundLogger: logger)
        let readOnlyClient = try replica.map { (settings) throws(DatastoreError) in
            PostgresClient(configuration: try configuration(settings, maxConnections: maxConnections), backgroundLogger: logger)
        } ?? client
        let store = PostgresDatastore(client: client, readOnlyClient: readOnlyClient, logger: logger, now: now, unreadable: unreadable, description: primary.redacted)
        await store.waitUntilRunning(clients: readOnlyClient === client ? 1 : 2)
        do {
            try await store.checkReachable(primary, client)
            if let replica, readOnlyClient !== client { try await store.checkReachable(replica, readOnlyClient) }
            try await PostgresMigrations.migrate(store)
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private init(
        client: PostgresClient,
        readOnlyClient: PostgresClient,
        logger: Logger,
        now: @escaping @Sendable () -> Date,
        unreadable: @escaping UnreadableRecordHandler,
        description: String
    ) {
        self.client = client
        self.readOnlyClient = readOnlyClient
        self.logger = logger
        self.now = now
        self.unreadable = unreadable
        self.description = description
        let (running, starting) = AsyncStream<Void>.makeStream()
        self.running = running
        self.runner = Task {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    starting.yield()
                    await client.run()
                }
                if readOnlyClient !== client {
                    group.addTask {
                        starting.yield()
                        await readOnlyClient.run()
                    }
                }
            }
        }
    }

    /// Returns once the runner task is about to call each client's `run()` (the next statement), so that the first
    /// query almost never finds a client not yet running; if it does, postgres-nio logs a warning ("`PostgresClient.run()`
    /// hasn't been called yet") and the query still waits for a connection.
    private func waitUntilRunning(clients: Int) async {
        var started = 0
        for await _ in running {
            started += 1
            if started == clients { return }
        }
    }

    /// Closes every connection. Later calls fail with `storage`.
    package func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: Connecting

    private static func settings(_ string: String, _ key: String) throws(DatastoreError) -> PostgresConnectionString {
        do {
            return try PostgresConnectionString(string)
        } catch {
            throw DatastoreError(code: .invalidArgument, message: "\(key): \(error.message)")
        }
    }

    static func configuration(_ settings: PostgresConnectionString, maxConnections: Int?) throws(DatastoreError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = settings.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: try tls(settings))
        }
        configuration.options.connectTimeout = .seconds(Int64(settings.connectTimeout))
        // The pool opens connections only for waiting queries, so "no limit" is a bound the server reaches first.
        configuration.options.maximumConnections = max(1, maxConnections ?? 1_000_000)
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// libpq's `sslmode` in postgres-nio's terms: `allow`/`prefer` use TLS when the server offers it, `require`
    /// encrypts without checking the server's certificate (unless `sslrootcert` is given, as libpq does),
    /// `verify-ca` checks the chain, `verify-full` the chain and the host name.
    static func tls(_ settings: PostgresConnectionString) throws(DatastoreError) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let root = settings.sslRootCert {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
            }
            if let cert = settings.sslCert, let key = settings.sslKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw DatastoreError(code: .invalidArgument, message: "cannot read the TLS files of the PostgreSQL connection string: \(error)")
        }
        switch settings.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = settings.sslRootCert == nil ? .none : .noHostnameVerification
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }

    /// Runs `SELECT 1`, giving up after the connect timeout with a message that names the server.
    private func checkReachable(_ settings: PostgresConnectionString, _ client: PostgresClient) async throws(DatastoreError) {
        let timeout = Duration.seconds(settings.connectTimeout)
        let logger = self.logger
        let outcome: Result<Void, any Error> = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: logger).collect() }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(DatastoreError(code: .storage, message: "no answer within \(settings.connectTimeout) s"))
        }
        if case .failure(let error) = outcome {
            throw Self.storageError("cannot connect to PostgreSQL at \(settings.redacted)", error)
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction, after taking the write lock (the `change_log_head` row): it commits if
    /// `body` returns and rolls back if it throws.
    func write<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(DatastoreError) -> T {
        do {
            return try await client.withConnection { connection in
                let session = PostgresSession(connection: connection, logger: logger)
                try await session.execute("BEGIN")
                do {
                    try await session.execute("SELECT seq FROM change_log_head WHERE id = 1 FOR UPDATE")
                    let value = try await body(session)
                    try await session.execute("COMMIT")
                    return value
                } catch {
                    try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw Self.storageError("PostgreSQL write failed", error)
        }
    }

    /// Runs `body` on the primary; on one consistent snapshot when `snapshot` is set (several statements).
    func read<T: Sendable>(
        snapshot: Bool = false,
        replica: Bool = false,
        _ body: (PostgresSession) async throws -> T
    ) async throws(DatastoreError) -> T {
        do {
            return try await (replica ? readOnlyClient : client).withConnection { connection in
                let session = PostgresSession(connection: connection, logger: logger)
                guard snapshot else { return try await body(session) }
                try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    let value = try await body(session)
                    try await session.execute("COMMIT")
                    return value
                } catch {
                    try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw Self.storageError("PostgreSQL read failed", error)
        }
    }

    /// Appends `count` change events of `kind` in the current write transaction and returns their sequence
    /// numbers, in order.
    static func appendEvents(_ session: PostgresSession, _ kind: ChangeEvent.Kind, _ ids: [String], at date: Date) async throws -> [UInt64] {
        guard !ids.isEmpty else { return [] }
        // One statement, one round trip: the head moves by `count`, the events take the numbers it moved over, and
        // the NOTIFY is delivered when (and only if) the transaction commits: other servers then follow the log.
        let count = Int64(ids.count)
        let last = try await session.one(
            """
            WITH head AS (UPDATE change_log_head SET seq = seq + \(count) WHERE id = 1 RETURNING seq),
            events AS (
                INSERT INTO change_log (seq, kind, object_id, created_at)
                SELECT head.seq - \(count) + t.n, \(kind.rawValue), t.o, \(DatastoreTime.seconds(date))
                FROM head, UNNEST(\(ids)::text[]) WITH ORDINALITY AS t(o, n)
            )
            SELECT head.seq FROM head, pg_notify(\(changeChannel), head.seq::text)
            """, as: Int64.self)
        return (last - count + 1...last).map { UInt64($0) }
    }

    /// Appends one change event in the current write transaction and returns its sequence number.
    static func appendEvent(_ session: PostgresSession, _ kind: ChangeEvent.Kind, _ id: String, at date: Date) async throws -> UInt64 {
        try await appendEvents(session, kind, [id], at: date)[0]
    }

    // MARK: Errors

    /// Keeps a ``DatastoreError``; wraps anything else as `storage`, with the server's message and SQLSTATE.
    static func storageError(_ message: String, _ error: any Error) -> DatastoreError {
        if let error = error as? DatastoreError { return error }
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                let text = server[.message] ?? "error"
                let state = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return DatastoreError(code: .storage, message: "\(message): \(text)\(state)")
            }
            return DatastoreError(code: .storage, message: "\(message): \(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
        }
        return DatastoreError(code: .storage, message: "\(message): \(error)")
    }
}

/// One leased connection and the logger its queries log to.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// Every row of `query`, read to the end (the connection is free for the next statement).
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    /// The rows of `query` as they arrive (read them to the end before the next statement).
    func stream(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }

    /// Runs `query`, discarding its rows.
    func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// The single value of a one-row, one-column `query`.
    func one<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> T {
        guard let row = try await rows(query).first else {
            throw DatastoreError(code: .storage, message: "PostgreSQL returned no row for: \(query.sql)")
        }
        return try row.decode(T.self)
    }

    /// The first column of every row of `query`.
    func column<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        try await rows(query).map { try $0.decode(T.self) }
    }
}
