import Foundation
import SteepleTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue #11, "hygiene": private datastore files without plain join tokens, CLI errors that say what happened, and a
/// log (with millisecond timestamps) of every admin action.
@Suite("steeple-server hygiene end to end", .serialized)
struct ServerHygieneEndToEndTests {
    static let parent = "spiffe://example.org/spire/agent/join_token/e2e"

    static func mode(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? Int ?? 0o7777) & 0o7777
    }

    @Test("the datastore files are 0600 (also after a restart that finds them 0644) and hold no join token in plain text")
    func datastoreFiles() async throws {
        let server = try ServerProcess()
        try await server.start()
        let token = try #require(await server.cli(["token", "generate"]).stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
        let database = server.directory + "/data/datastore.sqlite3"
        let files = [database, database + "-wal", database + "-shm"]
        for file in files {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
            #expect(Self.mode(file) == 0o600, "\(file) is \(String(Self.mode(file), radix: 8))")
        }
        var bytes = Data()
        for file in files { bytes += (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data() }
        #expect(!bytes.isEmpty)
        #expect(bytes.range(of: Data(token.utf8)) == nil, "the join token is stored in plain text")
        let dump = try await runTool("/usr/bin/sqlite3", [database, ".dump"])
        #expect(!dump.output.contains(String(token)), "the join token is in the database")

        #expect(try await server.stop() == 0)
        for file in files where FileManager.default.fileExists(atPath: file) { chmod(file, 0o644) }
        try await server.start()
        for file in files where FileManager.default.fileExists(atPath: file) {
            #expect(Self.mode(file) == 0o600, "\(file) was not tightened: \(String(Self.mode(file), radix: 8))")
        }
        #expect(try await server.stop() == 0)
    }

    @Test("the CLI says the server is not running only when it is not, and says permission denied when it is")
    func cliErrors() async throws {
        let server = try ServerProcess()
        let notRunning = try await server.cli(["entry", "show"])
        #expect(notRunning.status != 0)
        #expect(notRunning.stderr.contains("is steeple-server running?"), "\(notRunning.stderr)")

        try await server.start()
        if geteuid() == 0 {
            let (status, output) = try await runTool("/usr/bin/setpriv", [
                "--reuid=65534", "--regid=65534", "--clear-groups", try builtExecutable("steeple-server"),
                "entry", "show", "-socketPath", server.socketPath,
            ])
            // The binary may sit where `nobody` cannot read it; then there is nothing to check here.
            if !output.contains("Permission denied") || output.contains("permission denied connecting") {
                #expect(status != 0)
                #expect(output.contains("permission denied connecting to \(server.socketPath)"), "\(output)")
                #expect(!output.contains("is steeple-server running"), "\(output)")
            }
        }
        #expect(try await server.stop() == 0)
        // A socket file left behind with nothing listening: the server is not running.
        _ = FileManager.default.createFile(atPath: server.socketPath, contents: nil)
        let stale = try await server.cli(["entry", "show"])
        #expect(stale.stderr.contains("is steeple-server running?"), "\(stale.stderr)")
    }

    @Test("admin actions are logged at notice with the caller and the IDs, never the token; log timestamps have milliseconds")
    func auditLog() async throws {
        let server = try ServerProcess()
        try await server.start()
        let token = try #require(await server.cli(["token", "generate", "-spiffeID", "spiffe://example.org/node/a"]).stdout
            .split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
        let created = try await server.cli(["entry", "create", "-entryID", "audit-me", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent, "-selector", "unix:uid:1"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try await server.cli(["entry", "update", "-entryID", "audit-me", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent, "-selector", "unix:uid:2"]).status == 0)
        #expect(try await server.cli(["entry", "delete", "-entryID", "audit-me"]).status == 0)
        #expect(try await server.cli(["agent", "evict", "-spiffeID", "spiffe://example.org/spire/agent/join_token/nobody"]).status != 0)
        #expect(try await server.stop() == 0)
        let log = try String(contentsOfFile: server.log, encoding: .utf8)
        let lines = log.split(separator: "\n")
        for action in ["join token generated", "entries created", "entries updated", "entries deleted"] {
            let line = lines.first { $0.contains(action) }
            #expect(line != nil, "no log line for \(action):\n\(log)")
            #expect(line?.contains("notice") == true, "\(line ?? "")")
            #expect(line?.contains("caller=pid=") == true && line?.contains("uid=\(geteuid())") == true, "\(line ?? "")")
        }
        #expect(lines.contains { $0.contains("entries created") && $0.contains("audit-me") })
        #expect(lines.contains { $0.contains("entries deleted") && $0.contains("audit-me") })
        #expect(!log.contains(String(token)), "the log holds the join token")
        let stamped = lines.filter { $0.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4} "#, options: .regularExpression) != nil }
        #expect(stamped.count == lines.count, "lines without a millisecond timestamp:\n\(lines.filter { !stamped.contains($0) }.joined(separator: "\n"))")
    }
}
