import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIREAPIProto
import SteepleTestSupport
import Testing

/// The agent's admin socket on a real agent and server: the Logger and Debug APIs through `steeple-agent logger` and
/// `debug getinfo` (separate processes), and the Delegated Identity API through a gRPC client generated from SPIRE's
/// package and field numbers, with the authorization rules (no identity, not a delegate, a delegate) crossing the
/// real socket's peer credentials.
@Suite("Agent admin socket end to end", .serialized)
struct AgentAdminEndToEndTests {
    static func fixture() throws -> (TrustDomainFixture, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-admin-\(UUID().uuidString.prefix(8))").path
        let admin = directory + "/admin.sock"
        let fixture = try TrustDomainFixture(agentLines: [
            "admin_socket_path = \"\(admin)\"",
            "authorized_delegates = [\"spiffe://example.org/delegate\"]",
        ])
        return (fixture, admin)
    }

    static func admin(_ socket: String, _ arguments: [String]) async throws -> ServerProcess.Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("steeple-agent"))
        process.arguments = arguments + ["-socketPath", socket]
        return try await runCollectingOutput(process)
    }

    @Test("logger get|set|reset change the running agent's level; debug getinfo reports its SVID chain and sync")
    func loggerAndDebug() async throws {
        let (fixture, socket) = try Self.fixture()
        try await TrustDomainFixture.with(fixture) { fixture in
            // The socket is 0770, as SPIRE's.
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? Int)
            #expect(mode == 0o770)

            let get = try await Self.admin(socket, ["logger", "get"])
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout == "Logger Level : info\nLaunch Level : info\n\n")
            #expect(!fixture.agent.logText.contains("SetLogLevel Called"))

            let set = try await Self.admin(socket, ["logger", "set", "-level", "DEBUG"])
            #expect(set.stdout == "Logger Level : debug\nLaunch Level : info\n\n", "\(set.stderr)")
            // Debug lines now appear: a new entry logs its change at debug level.
            try await fixture.createEntry(spiffeID: "spiffe://example.org/after-debug", selectors: ["unix:uid:4243"])
            let debugLine = try await retrying(for: .seconds(10), until: { $0 }) { fixture.agent.logText.contains("entries changed") }
            #expect(debugLine, "no debug line after logger set -level debug")

            let json = try await Self.admin(socket, ["logger", "get", "-output", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["current_level"] as? String == "DEBUG")
            #expect(object["launch_level"] as? String == "INFO")

            let reset = try await Self.admin(socket, ["logger", "reset"])
            #expect(reset.stdout == "Logger Level : info\nLaunch Level : info\n\n", "\(reset.stderr)")

            let bad = try await Self.admin(socket, ["logger", "set", "-level", "loud"])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("the value \"loud\" is not a valid setting"), "\(bad.stderr)")
            let missing = try await Self.admin(socket, ["logger", "set"])
            #expect(missing.stderr == "Error: a value (-level) must be set\n")

            let info = try await Self.admin(socket, ["debug", "getinfo"])
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.hasPrefix("Agent Debug Info:\n  Uptime:"), "\(info.stdout)")
            #expect(info.stdout.contains("[0] SPIFFE ID:  \(fixture.agentID)"), "\(info.stdout)")
            #expect(info.stdout.contains("[1] SPIFFE ID:  spiffe://example.org\n"), "the root from the bundle closes the chain: \(info.stdout)")
            #expect(!info.stdout.contains("Last Sync Success:               (never)"), "\(info.stdout)")
            let infoJSON = try await Self.admin(socket, ["debug", "getinfo", "-output", "json"])
            let infoObject = try #require(try JSONSerialization.jsonObject(with: Data(infoJSON.stdout.utf8)) as? [String: Any])
            let chain = try #require(infoObject["svid_chain"] as? [[String: Any]])
            #expect((chain.first?["id"] as? [String: Any])?["trust_domain"] as? String == "example.org")

            let unreachable = try await Self.admin(socket + ".missing", ["logger", "get"])
            #expect(unreachable.status == 1)
            #expect(unreachable.stderr.hasPrefix("Error: error fetching logger: rpc error: code = Unavailable"), "\(unreachable.stderr)")
        }
    }

    @Test("Delegated Identity: PermissionDenied without an identity and for a non-delegate; a delegate gets another workload's SVIDs by selectors and by PID, JWT-SVIDs and bundles")
    func delegatedIdentity() async throws {
        let (fixture, socket) = try Self.fixture()
        try await TrustDomainFixture.with(fixture) { fixture in
            let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { grpc in
                let client = Spire_Api_Agent_Delegatedidentity_V1_DelegatedIdentity.Client(wrapping: grpc)
                var workloadSelector = Spire_Api_Types_Selector()
                workloadSelector.type = "unix"
                workloadSelector.value = "uid:4242"
                var byJWT = Spire_Api_Agent_Delegatedidentity_V1_FetchJWTSVIDsRequest()
                byJWT.audience = ["mesh"]
                byJWT.selectors = [workloadSelector]

                // This process has no entry yet.
                let denied = await Self.code(of: { try await client.fetchJWTSVIDs(byJWT) })
                #expect(denied?.code == .permissionDenied && denied?.message == "no identity issued", "\(String(describing: denied))")

                // An identity, but not an authorized delegate.
                try await fixture.createEntry(spiffeID: "spiffe://example.org/not-a-delegate", selectors: ["unix:uid:\(getuid())"])
                let refused = try await Self.waitForCode(client, byJWT, not: "no identity issued")
                #expect(refused?.code == .permissionDenied && refused?.message == "caller not configured as an authorized delegate", "\(String(describing: refused))")

                // The delegate's own entry, and a workload's.
                try await fixture.createEntry(spiffeID: "spiffe://example.org/delegate", selectors: ["unix:uid:\(getuid())", "unix:gid:\(getgid())"])
                try await fixture.createEntry(spiffeID: "spiffe://example.org/workload", selectors: ["unix:uid:4242"], extra: ["-hint", "mesh"])
                let stillRefused = try await Self.waitForCode(client, byJWT, not: "caller not configured as an authorized delegate")
                #expect(stillRefused == nil, "\(String(describing: stillRefused))")
                let jwt = try await client.fetchJWTSVIDs(byJWT)
                #expect(jwt.svids.map(\.id.path) == ["/workload"])
                #expect(jwt.svids.first?.hint == "mesh")
                #expect(jwt.svids.first.map { $0.expiresAt > $0.issuedAt } == true)
                #expect(jwt.svids.first?.token.split(separator: ".").count == 3)

                // By selectors: the workload's X509-SVID and key.
                var bySelectors = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest()
                bySelectors.selectors = [workloadSelector]
                let first = try await client.subscribeToX509SVIDs(bySelectors) { response -> _? in
                    for try await message in response.messages { return message }
                    return nil
                }
                let svid = try #require(first?.x509Svids.first)
                #expect(first?.x509Svids.count == 1)
                #expect(svid.x509Svid.id.trustDomain == "example.org" && svid.x509Svid.id.path == "/workload")
                #expect(!svid.x509Svid.certChain.isEmpty && !svid.x509SvidKey.isEmpty)
                #expect(svid.x509Svid.hint == "mesh")

                // By PID: this process, whose selectors give the delegate's own identities.
                var byPID = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest()
                byPID.pid = getpid()
                let own = try await client.subscribeToX509SVIDs(byPID) { response -> _? in
                    for try await message in response.messages { return message }
                    return nil
                }
                #expect(Set(own?.x509Svids.map(\.x509Svid.id.path) ?? []) == ["/delegate", "/not-a-delegate"])

                // Both, or neither: InvalidArgument.
                var both = bySelectors
                both.pid = getpid()
                let invalid = await Self.code(of: { try await client.subscribeToX509SVIDs(both) { response in for try await _ in response.messages {} } })
                #expect(invalid?.code == .invalidArgument && invalid?.message == "must provide either selectors or non-zero PID, but not both")
                var badSelector = bySelectors
                badSelector.selectors[0].value = ""
                let bad = await Self.code(of: { try await client.subscribeToX509SVIDs(badSelector) { response in for try await _ in response.messages {} } })
                #expect(bad?.code == .invalidArgument && bad?.message.contains("missing selector value") == true, "\(String(describing: bad))")

                // Bundles: this trust domain's X.509 authorities and JWKS.
                let bundles = try await client.subscribeToX509Bundles(Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509BundlesRequest()) { response -> _? in
                    for try await message in response.messages { return message }
                    return nil
                }
                #expect(bundles?.caCertificates.keys.sorted() == ["spiffe://example.org"])
                let jwks = try await client.subscribeToJWTBundles(Spire_Api_Agent_Delegatedidentity_V1_SubscribeToJWTBundlesRequest()) { response -> _? in
                    for try await message in response.messages { return message }
                    return nil
                }
                let document = try #require(jwks?.bundles["spiffe://example.org"])
                let parsed = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
                #expect((parsed["keys"] as? [Any])?.isEmpty == false)
            }
        }
    }

    static var spireProtosScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/delegated_identity_check.py").path
    }

    @Test("SPIRE's own protos (grpcio-tools, Python): a delegate gets another process's SVIDs by PID and by selectors and follows a change; a non-delegate is refused; Debug and Logger answer",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func spireProtosClient() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        let (fixture, socket) = try Self.fixture()
        // Another process, of uid 4242, whose identities the delegate asks for by its PID.
        let workload = Process()
        workload.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        workload.arguments = ["--reuid=4242", "--regid=4242", "--clear-groups", "/bin/sleep", "600"]
        // Not the test's output: a child holding it open keeps `swift test` waiting after the tests end.
        workload.standardOutput = FileHandle.nullDevice
        workload.standardError = FileHandle.nullDevice
        try workload.run()
        // SIGKILL: the test runner ignores SIGTERM, and ignored signals stay ignored across exec.
        defer {
            kill(workload.processIdentifier, SIGKILL)
            _ = waitForExitBlocking(workload, within: .seconds(10))
        }
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/delegate", selectors: ["unix:uid:\(getuid())"])
            try await fixture.createEntry(spiffeID: "spiffe://example.org/workload", selectors: ["unix:uid:4242"])
            try await fixture.createEntry(spiffeID: "spiffe://example.org/not-a-delegate", selectors: ["unix:uid:65534"])
            let run = try await runTool(python, [Self.spireProtosScript, "delegate", socket, "\(workload.processIdentifier)",
                                           try builtExecutable("steeple-server"), fixture.server.socketPath, fixture.agentID])
            print(run.output)
            #expect(run.status == 0, "delegated_identity_check delegate: \(run.output)")
            // nobody in group root: allowed through the socket's 0770 mode, identified by its entry, not a delegate.
            let refused = try await runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=0", "--clear-groups", python, Self.spireProtosScript, "refused", socket])
            print(refused.output)
            #expect(refused.status == 0, "delegated_identity_check refused: \(refused.output)")
        }
    }

    static func code(of body: () async throws -> some Any) async -> RPCError? {
        do {
            _ = try await body()
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(code: .unknown, message: "\(error)")
        }
    }

    /// Retries FetchJWTSVIDs until it stops failing with `message` (entries reach the agent asynchronously).
    static func waitForCode(
        _ client: Spire_Api_Agent_Delegatedidentity_V1_DelegatedIdentity.Client<HTTP2ClientTransport.Posix>,
        _ request: Spire_Api_Agent_Delegatedidentity_V1_FetchJWTSVIDsRequest, not message: String
    ) async throws -> RPCError? {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let error = await code(of: { try await client.fetchJWTSVIDs(request) })
            if error?.message != message || ContinuousClock.now > deadline { return error }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
