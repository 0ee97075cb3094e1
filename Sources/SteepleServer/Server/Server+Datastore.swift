import Logging
import SteepleDatastore
import SteepleDatastorePostgres
import SteepleDatastoreSQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The datastore `steeple-server run` opened, and how to close it.
struct OpenedDatastore: Sendable {
    let store: any Datastore
    /// The PostgreSQL store, when that is the kind: the server also listens to its change notifications.
    let postgres: PostgresDatastore?
    private let closer: @Sendable () async -> Void

    init(sqlite: SQLiteDatastore) {
        store = sqlite
        postgres = nil
        closer = { try? sqlite.close() }
    }

    init(postgres: PostgresDatastore) {
        store = postgres
        self.postgres = postgres
        closer = { await postgres.close() }
    }

    func close() async { await closer() }
}

extension Server {
    /// Opens the configured datastore. A row the server cannot use (an old build's out-of-range time, a hand edit)
    /// never stops it: it is left out of lists, of the entry index and of every agent's sync, and named in the log
    /// so that an operator can delete it.
    static func openDatastore(_ configuration: ServerConfiguration, now: @escaping @Sendable () -> Date, logger: Logger) async throws -> OpenedDatastore {
        let unreadable: UnreadableRecordHandler = { id, error in
            logger.warning("skipping a stored record the server cannot use; delete it (entry delete -entryID, agent evict -spiffeID)", metadata: [
                "id": "\(id)", "error": "\(error.message)",
            ])
        }
        switch configuration.dataStore {
        case .sqlite:
            return OpenedDatastore(sqlite: try SQLiteDatastore(path: configuration.sqlitePath, now: now, unreadable: unreadable))
        case .postgres(let settings):
            let store = try await PostgresDatastore.connect(
                connectionString: settings.connectionString,
                readOnlyConnectionString: settings.readOnlyConnectionString,
                maxConnections: settings.maxOpenConnections,
                now: now,
                unreadable: unreadable,
                logger: logger
            )
            logger.info("datastore opened", metadata: ["database_type": "postgres", "connection": "\(store.description)"])
            return OpenedDatastore(postgres: store)
        }
    }
}
