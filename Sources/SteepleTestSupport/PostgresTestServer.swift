package import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use: the one `scripts/test` started (`STEEPLE_POSTGRES_URL`), or else one this
/// process starts with `scripts/postgres-throwaway` on first use and stops when it exits. Each test gets a database
/// of its own.
package enum PostgresTestServer {
    /// The URL of the server's `postgres` database, as a superuser.
    package static func adminURL() throws -> String {
        try shared.get()
    }

    private static let shared: Result<String, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["STEEPLE_POSTGRES_URL"], !url.isEmpty { return url }
        let (url, dir) = try startServer()
        startedDirectory = strdup(dir)
        startedScript = strdup(scriptPath)
        atexit {
            guard let dir = startedDirectory, let script = startedScript else { return }
            let command = "/bin/bash '\(String(cString: script))' stop '\(String(cString: dir))'"
            _ = system(command)
        }
        return url
    }

    private static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-throwaway").path
    }

    /// Starts a throwaway server; returns its admin URL and its directory (for `stop`).
    private static func startServer() throws -> (url: String, directory: String) {
        // system(3), not Foundation's Process: Process learns of an exit from end of file on a socket the child
        // inherits, which the server the script starts kept open (before the script closed what it inherits), so
        // waitUntilExit never returned. Output goes to a file, not a pipe, for the same reason.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-postgres-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = system("/bin/bash '\(scriptPath)' start > '\(outputPath)'")
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        func value(_ name: String) -> String? {
            output.split(separator: "\n").first { $0.hasPrefix("export \(name)=") }
                .map { String($0.dropFirst("export \(name)=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
        }
        guard status == 0, let url = value("STEEPLE_POSTGRES_URL"), let dir = value("STEEPLE_POSTGRES_DIR") else {
            throw PostgresTestServerError(message: "scripts/postgres-throwaway start failed (is Debian's postgresql installed?): \(output)")
        }
        return (url, dir)
    }

    /// A PostgreSQL server of its own for a test that restarts it (the shared one must not be): started with
    /// `scripts/postgres-throwaway`, stopped after `body`. `body` gets the URL of its `postgres` database and a
    /// function that restarts the server (a fast shutdown, then a start on the same port).
    ///
    /// The script runs on a thread of its own each time: a start or restart takes seconds, and a thread of the
    /// cooperative pool (two on a 2-core machine) blocked that long stalls every other test of the process.
    package static func withDedicatedServer(_ body: (_ url: String, _ restart: @Sendable () async throws -> Void) async throws -> Void) async throws {
        let (url, dir) = try await offCooperativePool { try startServer() }
        let script = scriptPath
        let restart: @Sendable () async throws -> Void = {
            let status = try await offCooperativePool { system("/bin/bash '\(script)' restart '\(dir)' >/dev/null 2>&1") }
            guard status == 0 else {
                throw PostgresTestServerError(message: "scripts/postgres-throwaway restart \(dir) failed")
            }
        }
        let stop: @Sendable () async -> Void = {
            _ = try? await offCooperativePool { system("/bin/bash '\(script)' stop '\(dir)' >/dev/null 2>&1") }
        }
        do {
            try await body(url, restart)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// Creates a fresh database, runs `body` with its connection string, and drops it.
    package static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let admin = try adminURL()
        let name = "steeple_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute(admin, "CREATE DATABASE \(name)")
        let url = admin.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        do {
            try await body(url)
        } catch {
            try? await execute(admin, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        try await execute(admin, "DROP DATABASE \(name) WITH (FORCE)")
    }

    /// Runs one statement on the database at `url` (a `postgresql://user@host:port/db` URL without a password).
    package static func execute(_ url: String, _ sql: String) async throws {
        _ = try await rows(url, sql)
    }

    /// Runs one query and returns the first column of every row as text (cast it in the SQL: `seq::text`).
    package static func texts(_ url: String, _ sql: String) async throws -> [String] {
        try await rows(url, sql).map { try $0.decode(String?.self) ?? "" }
    }

    private static func rows(_ url: String, _ sql: String) async throws -> [PostgresRow] {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw PostgresTestServerError(message: "not a postgresql:// URL with a host and port: \(url)")
        }
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: components.user ?? "postgres", password: nil,
            database: String(components.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "steeple.tests.postgres")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            try await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

nonisolated(unsafe) private var startedDirectory: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var startedScript: UnsafeMutablePointer<CChar>?

package struct PostgresTestServerError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
