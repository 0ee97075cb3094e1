import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's server API on a real server's admin socket, driven by a client generated from SPIRE's own protos by
/// PyPI's grpcio-tools (Tests/Interop/spire_server_api_check.py): a spire-controller-manager reconcile whose entry
/// reaches a workload through a real agent, then the Agent, Bundle, SVID and Debug APIs, bad input, and the calls the
/// admin socket refuses.
@Suite("SPIRE server API end to end", .serialized)
struct SPIREServerAPIEndToEndTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire_server_api_check.py").path
    }

    @Test("SPIRE's own protos (grpcio-tools, Python) on the admin socket: a controller-manager reconcile reaches a workload; Agent, Bundle, SVID, Debug; refusals",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func spireProtosClient() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        try await TrustDomainFixture.with { fixture in
            let run = try await runTool(python, [Self.script, fixture.server.socketPath, fixture.agent.socketPath, fixture.agentID])
            print(run.output)
            #expect(run.status == 0, "spire_server_api_check: \(run.output)")
            // The server kept serving: the CLI (SPIRE's API on the same socket) still answers.
            #expect(try await fixture.server.cli(["entry", "count"]).status == 0)
        }
    }

    @Test("steeple-server logger get|set|reset change the running server's level, with SPIRE's output")
    func serverLogger() async throws {
        try await TrustDomainFixture.with { fixture in
            let get = try await fixture.server.cli(["logger", "get"])
            #expect(get.status == 0, "\(get.stderr)")
            let launch = try #require(get.stdout.split(separator: "\n").first { $0.hasPrefix("Launch Level : ") }?.dropFirst(15))
            #expect(get.stdout == "Logger Level : \(launch)\nLaunch Level : \(launch)\n\n")
            let set = try await fixture.server.cli(["logger", "set", "-level", "trace"])
            #expect(set.stdout == "Logger Level : trace\nLaunch Level : \(launch)\n\n", "\(set.stderr)")
            let json = try await fixture.server.cli(["logger", "get", "-output", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["current_level"] as? String == "TRACE")
            let reset = try await fixture.server.cli(["logger", "reset"])
            #expect(reset.stdout == "Logger Level : \(launch)\nLaunch Level : \(launch)\n\n", "\(reset.stderr)")
            let bad = try await fixture.server.cli(["logger", "set", "-level", "loud"])
            #expect(bad.status != 0 && bad.stderr.contains("the value \"loud\" is not a valid setting"), "\(bad.stderr)")
        }
    }

    /// One CLI call's `-output json`, parsed; the call must succeed and print one line.
    static func json(_ fixture: TrustDomainFixture, _ arguments: [String]) async throws -> [String: Any] {
        let run = try await fixture.server.cli(arguments + ["-output", "json"])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        #expect(run.stdout.hasSuffix("}\n") && run.stdout.filter { $0 == "\n" }.count == 1, "\(arguments): \(run.stdout)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(arguments): \(run.stdout)")
    }

    @Test("steeple-server's CLI talks SPIRE's API and prints SPIRE's JSON shapes: IDs as objects, counts as numbers, value for tokens, svid for JWTs")
    func cliJSONShapes() async throws {
        try await TrustDomainFixture.with { fixture in
            let agents = try #require(try await Self.json(fixture, ["agent", "list"])["agents"] as? [[String: Any]])
            let agent = try #require(agents.first)
            let agentID = try #require(agent["id"] as? [String: Any])
            #expect(agentID["trust_domain"] as? String == "example.org")
            #expect("spiffe://example.org" + (agentID["path"] as? String ?? "") == fixture.agentID)
            #expect(agent["x509svid_expires_at"] is String && agent["banned"] as? Bool == false && agent["selectors"] is [Any])
            #expect(try await Self.json(fixture, ["agent", "count"])["count"] as? Int == 1)
            let shown = try await Self.json(fixture, ["agent", "show", "-spiffeID", fixture.agentID])
            #expect((shown["id"] as? [String: Any])?["path"] as? String == agentID["path"] as? String)

            let token = try await Self.json(fixture, ["token", "generate", "-spiffeID", "spiffe://example.org/host/a"])
            #expect((token["value"] as? String)?.isEmpty == false && token["expires_at"] is String)

            let created = try await Self.json(fixture, [
                "entry", "create", "-spiffeID", "spiffe://example.org/json/web", "-parentID", fixture.agentID,
                "-selector", "unix:uid:4242", "-dns", "web.example.org", "-hint", "json",
            ])
            let result = try #require((created["results"] as? [[String: Any]])?.first)
            #expect((result["status"] as? [String: Any])?["code"] as? Int == 0)
            let entry = try #require(result["entry"] as? [String: Any])
            #expect((entry["spiffe_id"] as? [String: Any])?["path"] as? String == "/json/web")
            #expect(entry["revision_number"] as? String == "0" && entry["x509_svid_ttl"] is Int && entry["dns_names"] as? [String] == ["web.example.org"])
            let entryID = try #require(entry["id"] as? String)
            // A duplicate: AlreadyExists per item, the sent entry filled in, exit status 1 with SPIRE's message.
            let duplicate = try await fixture.server.cli([
                "entry", "create", "-spiffeID", "spiffe://example.org/json/web", "-parentID", fixture.agentID,
                "-selector", "unix:uid:4242", "-dns", "web.example.org", "-hint", "json",
            ])
            #expect(duplicate.status != 0 && duplicate.stderr.contains("Failed to create the following entry (code: AlreadyExists, msg: \"similar entry already exists\")"), "\(duplicate.stderr)")
            let listed = try #require(try await Self.json(fixture, ["entry", "show", "-hint", "json"])["entries"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == [entryID])
            #expect(try await Self.json(fixture, ["entry", "count", "-hint", "json"])["count"] as? Int == 1)
            let updated = try await Self.json(fixture, [
                "entry", "update", "-entryID", entryID, "-spiffeID", "spiffe://example.org/json/web", "-parentID", fixture.agentID,
                "-selector", "unix:uid:4242", "-hint", "json", "-x509SVIDTTL", "600",
            ])
            let updatedEntry = try #require((updated["results"] as? [[String: Any]])?.first?["entry"] as? [String: Any])
            #expect(updatedEntry["x509_svid_ttl"] as? Int == 600 && updatedEntry["revision_number"] as? String == "1")
            let deleted = try #require((try await Self.json(fixture, ["entry", "delete", "-entryID", entryID])["results"] as? [[String: Any]])?.first)
            #expect(deleted["id"] as? String == entryID && (deleted["status"] as? [String: Any])?["code"] as? Int == 0)

            let bundle = try await Self.json(fixture, ["bundle", "show"])
            #expect(bundle["trust_domain"] as? String == "example.org" && (bundle["x509_authorities"] as? [[String: Any]])?.isEmpty == false)
            #expect(try await Self.json(fixture, ["bundle", "count"])["count"] as? Int == 1)
            let minted = try await Self.json(fixture, ["jwt", "mint", "-spiffeID", "spiffe://example.org/json/jwt", "-audience", "bank"])
            let svid = try #require(minted["svid"] as? [String: Any])
            #expect((svid["token"] as? String)?.split(separator: ".").count == 3 && svid["expires_at"] is String)
            let info = try await Self.json(fixture, ["debug", "getinfo"])
            #expect(info["agents_count"] as? Int == 1 && (info["svid_chain"] as? [Any])?.isEmpty == false)
            // The Steeple agent attested with a join token: it can never be purged (SPIRE purges re-attestable agents only).
            #expect((try await Self.json(fixture, ["agent", "purge", "-expiredFor", "0s", "-dryRun"])["expired_agents"] as? [Any])?.isEmpty == true)
            let pretty = try await fixture.server.cli(["debug", "getinfo"])
            #expect(pretty.stdout.hasPrefix("Server Debug Info:\n  Uptime:                  ") && pretty.stdout.contains("  Registered Agents:       1\n"), "\(pretty.stdout)")
        }
    }

    static var agentScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire_agent_check.py").path
    }

    @Test("A stock SPIRE agent's calls over TCP and TLS (grpcio-tools client from SPIRE's protos): join-token and x509pop (SPIRE's JSON challenge) attestation without a client certificate, authorized entries, X509 and JWT SVIDs, renewal, next to a Steeple agent; remote admins by admin_ids (of this and of a federated trust domain) and -admin entries",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func stockSPIREAgent() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        // The x509pop CA the script's stock agent chains its node certificate to (it signs with ca.key).
        let caDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-e2e-x509pop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: caDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: caDirectory) }
        let ca = try await runTool("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=x509pop-ca",
            "-keyout", caDirectory + "/ca.key", "-out", caDirectory + "/ca.pem",
        ])
        try #require(ca.status == 0, "\(ca.output)")
        let plugins = #"NodeAttestor "join_token" {} NodeAttestor "x509pop" { plugin_data { ca_bundle_path = "\#(caDirectory)/ca.pem" } }"#
        // admin_ids for the script's remote-admin checks.
        try await TrustDomainFixture.with(try TrustDomainFixture(serverLines: [#"admin_ids = ["spiffe://example.org/ops/admin", "spiffe://other.org/ops/admin"]"#], serverPlugins: plugins)) { fixture in
            let run = try await runTool(python, [Self.agentScript, fixture.server.socketPath, "127.0.0.1", "\(fixture.serverPort)", caDirectory])
            print(run.output)
            #expect(run.status == 0, "spire_agent_check: \(run.output)")
            // The Steeple agent on its pushed sync is served all along: a new entry for this process reaches it.
            try await fixture.createEntry(spiffeID: "spiffe://example.org/after-stock-agent", selectors: ["unix:uid:\(getuid())"])
            let fetched = try await retrying(for: .seconds(10), until: { $0.contains("spiffe://example.org/after-stock-agent") }) {
                (try? await fixture.agent.cli(["api", "fetch", "x509"]))?.stdout ?? ""
            }
            #expect(fetched.contains("spiffe://example.org/after-stock-agent"), "\(fetched)")
        }
    }
}
