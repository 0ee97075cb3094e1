import Foundation
import SPIFFE
import SPIFFEWorkloadAPI
import SteepleTestSupport
import Testing

/// Issue #16 with real processes: two servers of one trust domain on one PostgreSQL database (a throwaway Debian
/// server that `scripts/test` or the fixture starts), configured with SPIRE's keys. Each keeps a CA of its own; the
/// bundle holds both; a join token made on one attests at the other; an entry written on one reaches, through
/// PostgreSQL's NOTIFY, the workload of an agent connected to the other (the delay is printed); and the agent keeps
/// serving when the other server is killed.
@Suite("two servers of one trust domain on PostgreSQL", .serialized)
struct SharedDatastoreEndToEndTests {
    static func plugins(_ url: String) -> String {
        #"""
        NodeAttestor "join_token" {}
            DataStore "sql" {
                plugin_data {
                    database_type = "postgres"
                    connection_string = "\#(url)"
                }
            }
        """#
    }

    static func certificates(_ server: ServerProcess) throws -> Int {
        try server.cli(["bundle", "show"]).stdout.components(separatedBy: "BEGIN CERTIFICATE").count - 1
    }

    static func svidIDs(_ socket: String) async throws -> Set<String> {
        let context = try await withWorkloadAPIClient(endpoint: try WorkloadAPIEndpoint(unixSocketPath: socket)) { try await $0.fetchX509Context() }
        return Set(context.svids.map(\.id.description))
    }

    static func waitUntil(seconds: Double, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return ContinuousClock.now }
            try await Task.sleep(for: interval)
        }
        return nil
    }

    @Test("an entry written on server A reaches the workload of an agent attested (with A's join token) at server B; both CAs are in the bundle; killing A costs B's workloads nothing")
    func twoServers() async throws {
        try await PostgresTestServer.withDatabase { url in
            let a = try ServerProcess(bindPort: try freeTCPPort(), plugins: Self.plugins(url))
            let b = try ServerProcess(bindPort: try freeTCPPort(), plugins: Self.plugins(url))
            let portB = try #require(Int(try String(contentsOfFile: b.configPath, encoding: .utf8)
                .split(separator: "\n").first { $0.contains("bind_port") }?.split(separator: "\"")[1] ?? ""))
            var agent: AgentProcess?
            do {
                // Started together: the schema is migrated once, under PostgreSQL's advisory lock.
                async let startA: Void = a.start()
                async let startB: Void = b.start()
                _ = try await (startA, startB)

                // Each server has its own CA; each publishes the other's once the change log tells it.
                let both = try await Self.waitUntil(seconds: 10) { try Self.certificates(a) == 2 && Self.certificates(b) == 2 }
                let (heldByA, heldByB) = (try Self.certificates(a), try Self.certificates(b))
                #expect(both != nil, "bundles: A holds \(heldByA), B holds \(heldByB) certificates")
                let (shownByA, shownByB) = (try a.cli(["bundle", "show"]).stdout, try b.cli(["bundle", "show"]).stdout)
                #expect(shownByA == shownByB)

                // A join token made on A attests an agent at B.
                let bundlePath = b.directory + "/bundle.pem"
                try a.cli(["bundle", "show"]).stdout.write(toFile: bundlePath, atomically: true, encoding: .utf8)
                let token = try #require(try a.cli(["token", "generate"]).stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
                let started = try AgentProcess(serverPort: portB, trustBundlePath: bundlePath)
                agent = started
                try await started.start(joinToken: String(token))
                let agentID = "spiffe://example.org/spire/agent/join_token/\(token)"
                #expect(try a.cli(["agent", "list"]).stdout.contains(agentID), "A does not list the agent attested at B")

                // An entry created on A reaches the workload behind B.
                let socket = started.socketPath
                let createdAt = ContinuousClock.now
                let create = try a.cli(["entry", "create", "-parentID", agentID, "-spiffeID", "spiffe://example.org/ha", "-selector", "unix:uid:\(getuid())"])
                try #require(create.status == 0, "\(create.stderr)")
                let seen = try await Self.waitUntil(seconds: 10, every: .milliseconds(5)) { (try? await Self.svidIDs(socket))?.contains("spiffe://example.org/ha") ?? false }
                let reached = try #require(seen, "the entry created on A never reached the workload of the agent at B")
                print("shared datastore: entry create on server A (CLI started) -> SVID at the workload of an agent on server B: \(reached - createdAt)")

                // The workload's bundle holds both servers' CAs.
                let context = try await withWorkloadAPIClient(endpoint: try WorkloadAPIEndpoint(unixSocketPath: socket)) { try await $0.fetchX509Context() }
                #expect(context.bundles.x509Bundle(for: try TrustDomain("example.org"))?.x509Authorities.count == 2)

                // A deletion on A too.
                let entryID = try #require(create.stdout.split(separator: "\n").first { $0.hasPrefix("Entry ID") }?.split(separator: ":", maxSplits: 1)[1]
                    .trimmingCharacters(in: .whitespaces))
                #expect(try a.cli(["entry", "delete", "-entryID", entryID]).status == 0)
                // (With no entry left the Workload API answers "no identity issued": no SVIDs.)
                let gone = try await Self.waitUntil(seconds: 10) { !((try? await Self.svidIDs(socket)) ?? []).contains("spiffe://example.org/ha") }
                #expect(gone != nil, "the entry deleted on A stayed at the workload behind B")

                // A dies without a word; B and its agent carry on, and B takes writes.
                let aPID = try #require(a.pid)
                kill(aPID, SIGKILL)
                let again = try b.cli(["entry", "create", "-parentID", agentID, "-spiffeID", "spiffe://example.org/after", "-selector", "unix:uid:\(getuid())"])
                try #require(again.status == 0, "\(again.stderr)")
                let after = try await Self.waitUntil(seconds: 10) { (try? await Self.svidIDs(socket))?.contains("spiffe://example.org/after") ?? false }
                #expect(after != nil, "B's agent did not get an entry created on B after A was killed")

                _ = try? await started.stop()
                _ = try? await b.stop()
                _ = try? await a.stop()
            } catch {
                print("--- server A log\n" + ((try? String(contentsOfFile: a.log, encoding: .utf8)) ?? ""))
                print("--- server B log\n" + ((try? String(contentsOfFile: b.log, encoding: .utf8)) ?? ""))
                if let agent { print("--- agent log\n" + agent.logText) }
                _ = try? await agent?.stop()
                _ = try? await a.stop()
                _ = try? await b.stop()
                throw error
            }
        }
    }
}
