import ServiceLifecycle
import SteepleDatastorePostgres

/// Several servers on one PostgreSQL database: every write committed by any of them (PostgreSQL's NOTIFY, sent by
/// the writing transaction) wakes this server's entry index, which then follows the shared change log. No timer.
struct ChangeNotificationService: Service {
    let store: PostgresDatastore
    let index: EntryIndex

    func run() async throws {
        try await untilGracefulShutdown {
            await store.followChanges { [index] in index.poke() }
        }
    }
}
