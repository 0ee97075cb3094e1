import Foundation
import SteepleTestSupport
import Testing

/// Issue #11, "crash loop": no input, and no stored row, can trap the server.
@Suite("steeple-server never traps on out-of-range times or unusable stored rows", .serialized)
struct ServerCrashLoopEndToEndTests {
    static let parent = "spiffe://example.org/spire/agent/join_token/e2e"

    @Test("entry create -entryExpiry 9223372036854775807 is refused with InvalidArgument naming the field, and nothing is stored")
    func hugeExpiryRefused() async throws {
        let server = try ServerProcess()
        try await server.start()
        for expiry in ["9223372036854775807", "-1", "253402300800", "1000"] {
            let result = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent,
                                         "-selector", "unix:uid:1", "-entryExpiry", expiry])
            #expect(result.status != 0, "expiry \(expiry) was accepted")
            #expect(result.stderr.contains("InvalidArgument"), "\(result.stderr)")
            #expect(result.stderr.contains("expires_at"), "\(result.stderr)")
        }
        #expect(try await server.cli(["healthcheck"]).status == 0, "the server died")
        #expect(try await server.cli(["entry", "count"]).stdout.contains("0 registration entr"))
        // An expiry in range and in the future is fine.
        let ok = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent,
                                 "-selector", "unix:uid:1", "-entryExpiry", "253402300799"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try await server.cli(["entry", "show"]).status == 0)
        #expect(try await server.stop() == 0)
    }

    /// Rows the server cannot use, written straight into SQLite as an old build (or a hand) may have left them.
    static let badRows = [
        ("bad-expiry", "spiffe://example.org/bad-expiry", "9223372036854775807", "0"),
        ("bad-id", "spiffe://Example.org/BAD ID", "NULL", "0"),
        ("bad-ttl", "spiffe://example.org/bad-ttl", "NULL", "-5"),
    ]

    @Test("a stored row the server cannot use is skipped with a log line; show reports DataLoss; delete removes it; an agent's sync is served")
    func unusableRowsSkipped() async throws {
        let port = try freeTCPPort()
        let server = try ServerProcess(bindPort: port)
        try await server.start()
        let bundlePath = server.directory + "/bundle.pem"
        try await server.cli(["bundle", "show"]).stdout.write(toFile: bundlePath, atomically: true, encoding: .utf8)
        let token = try #require(await server.cli(["token", "generate"]).stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
        let agentID = "spiffe://example.org/spire/agent/join_token/\(token)"
        let good = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/good", "-parentID", agentID, "-selector", "unix:uid:1"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try await server.stop() == 0)

        let sql = Self.badRows.map { id, spiffeID, expiry, ttl in
            """
            INSERT INTO registered_entries (id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, downstream, expires_at, revision_number, store_svid, hint, created_at)
            VALUES ('\(id)', '\(spiffeID)', '\(agentID)', \(ttl), 0, 0, 0, \(expiry), 0, 0, '', 1700000000);
            INSERT INTO entry_selectors (entry_id, type, value) VALUES ('\(id)', 'unix', 'uid:2');
            INSERT INTO change_log (kind, object_id, created_at) VALUES ('entryCreated', '\(id)', 1700000000);
            """
        }.joined(separator: "\n")
        let inserted = try await runTool("/usr/bin/sqlite3", [server.directory + "/data/datastore.sqlite3", sql])
        try #require(inserted.status == 0, "\(inserted.output)")

        try await server.start()
        let agent = try AgentProcess(serverPort: port, trustBundlePath: bundlePath)
        defer { _ = agent }
        try await agent.start(joinToken: String(token))
        // The agent synced: the good entry is served while the bad rows sit in the store.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await server.cli(["healthcheck"]).status == 0, "the server died after the agent connected")
        let log = try String(contentsOfFile: server.log, encoding: .utf8)
        for (id, _, _, _) in Self.badRows {
            #expect(log.contains(id), "no log line names \(id)")
        }
        let listed = try await server.cli(["entry", "show"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("spiffe://example.org/good"))
        for (id, _, _, _) in Self.badRows {
            let shown = try await server.cli(["entry", "show", "-entryID", id])
            #expect(shown.status != 0)
            #expect(shown.stderr.contains("DataLoss"), "\(shown.stderr)")
            #expect(shown.stderr.contains(id), "\(shown.stderr)")
            let deleted = try await server.cli(["entry", "delete", "-entryID", id])
            #expect(deleted.status == 0, "\(deleted.stderr)")
        }
        #expect(try await server.cli(["entry", "count"]).stdout.contains("1 registration entr"))
        #expect(try await server.cli(["healthcheck"]).status == 0)

        // Evicted, the agent's next call is refused: the refusal is logged (a warning naming the agent).
        let evicted = try await server.cli(["agent", "evict", "-spiffeID", agentID])
        #expect(evicted.status == 0, "\(evicted.stderr)")
        var refusal: Substring?
        for _ in 0..<100 where refusal == nil {
            try await Task.sleep(for: .milliseconds(100))
            refusal = try String(contentsOfFile: server.log, encoding: .utf8).split(separator: "\n").first { $0.contains("agent credentials rejected") }
        }
        let serverLog = try String(contentsOfFile: server.log, encoding: .utf8)
        #expect(refusal?.contains("warning") == true, "no refusal logged:\n\(serverLog)")
        #expect(refusal?.contains(agentID) == true)
        #expect(try String(contentsOfFile: server.log, encoding: .utf8).contains("Agent deleted"))
        _ = try await agent.stop()
        #expect(try await server.stop() == 0)
    }
}
