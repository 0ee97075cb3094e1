import Foundation
import SteepleTestSupport
import Testing

/// The agent API paths the join-token tests do not reach: x509pop attestation (and re-attestation after an evict),
/// agent SVID renewal, and the server's health listener.
@Suite("Agent lifecycle end to end", .serialized)
struct AgentLifecycleEndToEndTests {
    static let uid = getuid()

    @Test("x509pop: the agent proves its key, gets its fingerprint ID, and re-attests by itself after an evict")
    func x509pop() async throws {
        let pki = NSTemporaryDirectory() + "steeple-x509pop-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        try makeNodePKI(in: pki)
        let fixture = try TrustDomainFixture(
            serverPlugins: #"NodeAttestor "x509pop" { plugin_data { ca_bundle_path = "\#(pki)/ca.pem" } }"#,
            agentNodeAttestor: #"NodeAttestor "x509pop" { plugin_data { certificate_path = "\#(pki)/node.pem" private_key_path = "\#(pki)/node.key" } }"#)
        try await TrustDomainFixture.with(fixture) { fixture in
            #expect(fixture.agentID.hasPrefix("spiffe://example.org/spire/agent/x509pop/"))
            try await fixture.createEntry(spiffeID: "spiffe://example.org/popped", selectors: ["unix:uid:\(Self.uid)"])
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }

            let evicted = try await fixture.server.cli(["agent", "evict", "-spiffeID", fixture.agentID])
            #expect(evicted.status == 0, "\(evicted.stderr)")
            // Evicting ends the sync stream; the agent attests again with the same certificate, on its own.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !fixture.agent.logText.contains("re-attested") {
                try await Task.sleep(for: .milliseconds(100))
            }
            let relisted = try await fixture.server.cli(["agent", "list"])
            #expect(relisted.stdout.contains(fixture.agentID), "agent not re-attested; log:\n\(fixture.agent.logText)")
            try await fixture.createEntry(spiffeID: "spiffe://example.org/after-evict", selectors: ["unix:uid:\(Self.uid)"])
            let fetched = try await eventually(timeout: .seconds(20)) {
                let output = try await fixture.agent.cli(["api", "fetch", "x509"])
                return output.stdout.contains("after-evict") ? output : ServerProcess.Output(status: 1, stdout: output.stdout, stderr: "not yet: \(output.stderr)")
            }
            #expect(fetched.stdout.contains("spiffe://example.org/popped"))
        }
    }

    @Test("the agent SVID renews at half-life (RenewAgent) and the agent keeps syncing with the new one")
    func renewal() async throws {
        let fixture = try TrustDomainFixture(serverLines: [#"agent_ttl = "6s""#])
        try await TrustDomainFixture.with(fixture) { fixture in
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, fixture.agent.logText.components(separatedBy: "agent SVID renewed").count < 3 {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(fixture.agent.logText.components(separatedBy: "agent SVID renewed").count >= 3, "log:\n\(fixture.agent.logText)")
            // The first SVID has long expired: a new entry still arrives, so the server accepts the renewed one.
            try await fixture.createEntry(spiffeID: "spiffe://example.org/renewed", selectors: ["unix:uid:\(Self.uid)"])
            let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(fetched.stdout.contains("spiffe://example.org/renewed"))
        }
    }

    @Test("join tokens work with no NodeAttestor \"join_token\" block in either file, as SPIRE's")
    func joinTokenWithoutBlocks() async throws {
        let fixture = try TrustDomainFixture(serverPlugins: "", agentJoinTokenBlock: false)
        for path in [fixture.server.configPath, fixture.agent.configPath] {
            #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("NodeAttestor"), "\(path) names a node attestor")
        }
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/tokenonly", selectors: ["unix:uid:\(Self.uid)"])
            let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(fetched.stdout.contains("spiffe://example.org/tokenonly"))
        }
    }

    @Test("trust_bundle_format = \"spiffe\": the agent bootstraps from a SPIFFE bundle document (bundle show -format spiffe)")
    func spiffeFormatBootstrapBundle() async throws {
        let fixture = try TrustDomainFixture(agentLines: [#"trust_bundle_format = "spiffe""#], agentBundleFormat: "spiffe")
        try await TrustDomainFixture.with(fixture) { fixture in
            #expect(try String(contentsOfFile: fixture.bundlePath, encoding: .utf8).contains("\"keys\""))
            try await fixture.createEntry(spiffeID: "spiffe://example.org/from-jwks", selectors: ["unix:uid:\(Self.uid)"])
            let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(fetched.stdout.contains("spiffe://example.org/from-jwks"))
        }
    }

    @Test("-trustBundleFormat and -trustBundleUrl: a PEM file read as spiffe is refused with what to do; an https URL validates, an http one is refused")
    func trustBundleFlags() async throws {
        let dir = NSTemporaryDirectory() + "steeple-tbf-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        try pem.write(toFile: dir + "/bundle.pem", atomically: true, encoding: .utf8)
        try "agent {\n trust_domain = \"example.org\"\n data_dir = \"\(dir)/data\"\n socket_path = \"\(dir)/api.sock\"\n}\n"
            .write(toFile: dir + "/agent.conf", atomically: true, encoding: .utf8)
        let wrongFormat = try await runBuiltExecutable("steeple-agent", [
            "run", "-config", dir + "/agent.conf", "-trustBundle", dir + "/bundle.pem", "-trustBundleFormat", "spiffe", "-joinToken", "x",
        ])
        #expect(wrongFormat.status != 0)
        #expect(wrongFormat.stderr.contains("is not a SPIFFE bundle document"), "stderr: \(wrongFormat.stderr)")
        let badValue = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-trustBundle", dir + "/bundle.pem", "-trustBundleFormat", "der"])
        #expect(badValue.status == 1)
        #expect(badValue.stderr.contains("pem or spiffe"), "stderr: \(badValue.stderr)")
        let url = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-trustBundleUrl", "https://example.org/bundle"])
        #expect(url.status == 0, "stderr: \(url.stderr)")
        let plain = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-trustBundleUrl", "http://example.org/bundle"])
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("expected an https:// URL"), "stderr: \(plain.stderr)")
        let both = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-trustBundleUrl", "https://example.org/bundle", "-trustBundle", dir + "/bundle.pem"])
        #expect(both.status == 1)
        #expect(both.stderr.contains("trust_bundle_path and trust_bundle_url are both set"), "stderr: \(both.stderr)")
        let noWorkloadAPI = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-insecureBootstrap", "-disableWorkloadAPI"])
        #expect(noWorkloadAPI.status == 0, "stderr: \(noWorkloadAPI.stderr)")
        let noSDS = try await runBuiltExecutable("steeple-agent", ["validate", "-config", dir + "/agent.conf", "-insecureBootstrap", "-disableSDSAPI"])
        #expect(noSDS.status == 0, "stderr: \(noSDS.stderr)")
        let verifiers = try await runBuiltExecutable("steeple-agent", [
            "validate", "-config", dir + "/agent.conf", "-insecureBootstrap", "-allowUnauthenticatedVerifiers",
        ])
        #expect(verifiers.status == 0, "stderr: \(verifiers.stderr)")
    }

    @Test("disable_jwt_svids = true: a workload's JWT-SVID request fails naming the setting; X509-SVIDs are still served")
    func jwtSVIDsDisabled() async throws {
        let fixture = try TrustDomainFixture(serverLines: ["disable_jwt_svids = true"])
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/nojwt", selectors: ["unix:uid:\(Self.uid)"])
            let x509 = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(x509.stdout.contains("spiffe://example.org/nojwt"))
            let jwt = try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", "bank"])
            #expect(jwt.status != 0)
            #expect(jwt.stderr.contains("disable_jwt_svids"), "stderr: \(jwt.stderr)")
            // The text SPIRE's nested-rotation suite greps for, the server's status as Go prints it inside the agent's.
            #expect(jwt.stderr.contains("code = Unimplemented desc = JWT functionality is disabled"), "stderr: \(jwt.stderr)")
            let minted = try await fixture.server.cli(["jwt", "mint", "-spiffeID", "spiffe://example.org/nojwt", "-audience", "bank"])
            #expect(minted.status != 0)
            #expect(minted.stderr.contains("disable_jwt_svids"), "stderr: \(minted.stderr)")
        }
    }

    @Test("api fetch x509|jwt -output json print SPIRE's shapes (proto field names, base64 bytes), readable with jq as SPIRE's scripts read them")
    func fetchOutputJSON() async throws {
        try await TrustDomainFixture.with { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/jsonout", selectors: ["unix:uid:\(Self.uid)"])
            let x509 = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509", "-output", "json"]) }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(x509.stdout.utf8)) as? [String: Any], "\(x509.stdout)")
            let svid = try #require((object["svids"] as? [[String: Any]])?.first)
            #expect(svid["spiffe_id"] as? String == "spiffe://example.org/jsonout")
            let der = try #require(Data(base64Encoded: svid["x509_svid"] as? String ?? ""))
            #expect(der.first == 0x30, "x509_svid is not base64 DER")
            #expect(Data(base64Encoded: svid["x509_svid_key"] as? String ?? "")?.first == 0x30)
            #expect(Data(base64Encoded: svid["bundle"] as? String ?? "")?.isEmpty == false)
            #expect(svid["hint"] as? String == "")
            #expect((object["crl"] as? [Any])?.isEmpty == true)
            #expect((object["federated_bundles"] as? [String: Any])?.isEmpty == true)

            let jwt = try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", "bank", "-output", "json"])
            #expect(jwt.status == 0, "\(jwt.stderr)")
            let jq = Process()
            jq.executableURL = URL(fileURLWithPath: "/usr/bin/jq")
            jq.arguments = ["-r", #".[0].svids[0].spiffe_id, (.[1].bundles["spiffe://example.org"] | @base64d | fromjson | .keys | length > 0)"#]
            let read = try await runCollectingOutput(jq, stdin: jwt.stdout).stdout
            #expect(read == "spiffe://example.org/jsonout\ntrue\n", "jq read: \(read) from \(jwt.stdout)")
            // SPIRE's deprecated spelling of -output for this command.
            let deprecated = try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", "bank", "-format", "json"])
            #expect(deprecated.status == 0 && deprecated.stdout.hasPrefix("["), "\(deprecated.stdout) \(deprecated.stderr)")
        }
    }

    @Test("the server's health listener answers /live and /ready")
    func health() async throws {
        let port = try freeTCPPort()
        let fixture = try TrustDomainFixture(serverBlocks: """
            health_checks {
                listener_enabled = true
                bind_address = "127.0.0.1"
                bind_port = "\(port)"
            }
            """)
        try await TrustDomainFixture.with(fixture) { _ in
            for path in ["/live", "/ready"] {
                let response = try await runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"])
                #expect(response.output == "200", "\(path): \(response.output)")
            }
            let missing = try await runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nope"])
            #expect(missing.output == "404")
        }
    }

    /// A node CA and a node certificate signed by it, made by the openssl CLI.
    private func makeNodePKI(in directory: String) throws {
        let openssl = "/usr/bin/openssl"
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(directory)/ca.key",
             "-out", "\(directory)/ca.pem", "-days", "1", "-subj", "/CN=steeple node CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(directory)/node.key",
             "-out", "\(directory)/node.csr", "-subj", "/CN=node-1"],
        ]
        for step in steps {
            let result = try runToolBlocking(openssl, step)
            try #require(result.status == 0, "openssl \(step[0]): \(result.output)")
        }
        try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n".write(toFile: "\(directory)/node.ext", atomically: true, encoding: .utf8)
        let signed = try runToolBlocking(openssl, ["x509", "-req", "-in", "\(directory)/node.csr", "-CA", "\(directory)/ca.pem", "-CAkey", "\(directory)/ca.key",
                                           "-CAcreateserial", "-out", "\(directory)/node.pem", "-days", "1", "-extfile", "\(directory)/node.ext"])
        try #require(signed.status == 0, "openssl x509 -req: \(signed.output)")
    }
}
