import Foundation
import SteepleDatastore
import SteepleDatastorePostgres
import SteepleTestSupport
import SteepleDatastoreSQLite
import Testing

/// The implementations the conformance suite runs against.
enum DatastoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory
    case sqlite
    /// A new database on the test run's PostgreSQL server (``PostgresTestServer``), dropped afterwards.
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a new, empty store of this kind (SQLite: a file in a fresh temporary directory,
    /// removed afterwards), on `clock`.
    func withStore(
        clock: TestClock = TestClock(),
        _ body: (any Datastore) async throws -> Void
    ) async throws {
        switch self {
        case .inMemory:
            try await body(InMemoryDatastore(now: clock.now))
        case .sqlite:
            try await TemporaryDirectory.with { directory in
                let store = try SQLiteDatastore(path: directory.appending("store.sqlite"), now: clock.now)
                try await body(store)
                try store.close()
            }
        case .postgres:
            try await PostgresTestServer.withStore(now: clock.now) { store, _ in try await body(store) }
        }
    }
}

/// A temporary directory for one test.
struct TemporaryDirectory: Sendable {
    let path: String

    /// Creates a directory, runs `body` with it and removes it.
    static func with<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("steeple-datastore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(TemporaryDirectory(path: path))
    }

    /// The path of `name` inside the directory.
    func appending(_ name: String) -> String {
        path + "/" + name
    }
}
