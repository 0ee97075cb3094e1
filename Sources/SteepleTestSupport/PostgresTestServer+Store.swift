package import Foundation
package import SteepleDatastore
package import SteepleDatastorePostgres

extension PostgresTestServer {
    /// Runs `body` with a `PostgresDatastore` on a fresh database (``withDatabase(_:)``), closed afterwards whether
    /// `body` throws or not. `body` also gets the database's URL, for statements behind the store's back.
    package static func withStore(
        now: @escaping @Sendable () -> Date = { Date() },
        unreadable: @escaping UnreadableRecordHandler = { _, _ in },
        _ body: (PostgresDatastore, _ url: String) async throws -> Void
    ) async throws {
        try await withDatabase { url in
            let store = try await PostgresDatastore.connect(connectionString: url, now: now, unreadable: unreadable)
            do {
                try await body(store, url)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }
}
