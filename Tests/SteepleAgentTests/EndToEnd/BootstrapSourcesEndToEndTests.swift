import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's other ways for an agent to get its first bundle: `trust_bundle_url` over HTTPS (checked against the system
/// trust store as Go reads it, where `SSL_CERT_FILE` names the test CA), over HTTP through `trust_bundle_unix_socket`, and
/// `trust_bundle_spiffe_workload_api`. The bundle servers are Python's `http.server`, real processes we did not write.
@Suite("Agent bootstrap sources end to end", .serialized)
struct BootstrapSourcesEndToEndTests {
    static let uid = getuid()

    @Test("trust_bundle_url over https: the agent attests with the downloaded bundle; an untrusted certificate or a 404 stops it before it attests")
    func httpsURL() async throws {
        try await withStops { stops in
            let serverPort = try freeTCPPort()
            let server = try ServerProcess(bindPort: serverPort)
            try await server.start()
            stops.add(server)
            let web = try BundleWebServer(serving: try await server.cli(["bundle", "show"]).stdout, tls: true)
            stops.add(web)
            try await web.waitUntilServing()

            let agent = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, bootstrap: #"trust_bundle_url = "https://localhost:\#(web.port)/bundle""#)
            agent.environment = ["SSL_CERT_FILE": web.directory + "/ca.pem"]
            let token = try await joinToken(server)
            stops.add(agent)
            try await agent.start(joinToken: token)
            #expect(agent.logText.contains("Server attestation attempt 1. Started"), "log:\n\(agent.logText)")
            #expect(agent.logText.contains("Node attestation was successful"))
            _ = try await server.cli(["entry", "create", "-parentID", "spiffe://example.org/spire/agent/join_token/\(token)",
                                "-spiffeID", "spiffe://example.org/via-url", "-selector", "unix:uid:\(Self.uid)"])
            let fetched = try await eventually { try await agent.cli(["api", "fetch", "x509"]) }
            #expect(fetched.stdout.contains("spiffe://example.org/via-url"))

            // The system trust store does not know the test CA: the download fails closed, naming the URL.
            let untrusted = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, bootstrap: #"trust_bundle_url = "https://localhost:\#(web.port)/bundle""#)
            // Go's (and so SPIRE's) system store; no retries, so that the test does not wait SPIRE's minute.
            untrusted.environment = ["SSL_CERT_FILE": "", "SSL_CERT_DIR": "", "STEEPLE_BOOTSTRAP_RETRY_SECONDS": "0"]
            let refusedToken = try await joinToken(server)
            let refused = try await untrusted.runToExit(joinToken: refusedToken)
            #expect(refused.status != 0)
            #expect(refused.log.contains("unable to fetch trust bundle URL") && refused.log.contains("https://localhost:\(web.port)/bundle"), "log:\n\(refused.log)")
            #expect(!refused.log.contains("Node attestation was successful"))

            let missing = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, bootstrap: #"trust_bundle_url = "https://localhost:\#(web.port)/nope""#)
            missing.environment = ["SSL_CERT_FILE": web.directory + "/ca.pem", "STEEPLE_BOOTSTRAP_RETRY_SECONDS": "0"]
            let notFound = try await missing.runToExit(joinToken: refusedToken)
            #expect(notFound.status != 0)
            #expect(notFound.log.contains("error downloading trust bundle") && notFound.log.contains("404"), "log:\n\(notFound.log)")
            #expect(web.requests.contains("/nope"))

            // Neither reached the server, so their token is still unused: an agent that trusts the CA attests with it,
            // this time by IP address (checked against the certificate's IP SAN).
            let retried = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, bootstrap: #"trust_bundle_url = "https://127.0.0.1:\#(web.port)/bundle""#)
            retried.environment = ["SSL_CERT_FILE": web.directory + "/ca.pem"]
            stops.add(retried)
            try await retried.start(joinToken: refusedToken)
        }
    }

    @Test("trust_bundle_url with trust_bundle_unix_socket: plain http on the socket, with SPIRE's spiffe-/spire- query parameters; a service not up yet is retried every 5 s, as SPIRE does")
    func unixSocketURL() async throws {
        try await withStops { stops in
            let serverPort = try freeTCPPort()
            let server = try ServerProcess(bindPort: serverPort)
            try await server.start()
            stops.add(server)
            let web = try BundleWebServer(serving: try await server.cli(["bundle", "show"]).stdout, tls: false)
            stops.add(web)

            let agent = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, bootstrap: """
                trust_bundle_url = "http://localhost/bundle?site=eu-1"
                    trust_bundle_unix_socket = "\(web.socketPath)"
                """)
            stops.add(agent)
            // The agent starts before the bundle service: its first attempt fails and it waits for the next.
            try agent.launch(joinToken: try await joinToken(server))
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !agent.logText.contains("could not get the bootstrap trust bundle; retrying") {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(agent.logText.contains("attempt=1"), "log:\n\(agent.logText)")
            try web.start()
            try await web.waitUntilServing()
            _ = try await eventually(timeout: .seconds(20)) { try await agent.cli(["healthcheck"]) }
            #expect(agent.logText.contains("Server attestation attempt 2. Started"), "log:\n\(agent.logText)")
            let request = try #require(web.requests.split(separator: "\n").first, "no request reached the socket")
            let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: String(request))?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(request.hasPrefix("/bundle?"))
            #expect(query["site"] == "eu-1")
            #expect(query["spiffe-trust-domain"] == "example.org")
            #expect(query["spire-attest-mode"] == "bootstrap")
            #expect(query["spire-connection-attempts"] == "2")
            #expect(query["spire-server-address"] == "127.0.0.1")
            #expect(query["spire-server-port"] == String(serverPort))
            #expect(query["spire-attest-start-time"].map { ISO8601DateFormatter().date(from: $0) != nil } == true, "\(request)")
        }
    }

    @Test("trust_bundle_spiffe_workload_api: a second agent takes its bundle from the first agent's Workload API")
    func workloadAPI() async throws {
        try await TrustDomainFixture.with { fixture in
            // The first agent answers FetchX509Bundles only for a caller with an identity.
            try await fixture.createEntry(spiffeID: "spiffe://example.org/bootstrapper", selectors: ["unix:uid:\(Self.uid)"])
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            let second = try AgentProcess(serverPort: fixture.serverPort, trustBundlePath: nil, bootstrap: #"trust_bundle_spiffe_workload_api = "unix://\#(fixture.agent.socketPath)""#)
            try await second.start(joinToken: try await joinToken(fixture.server))
            _ = try await second.stop()
            #expect(second.logText.contains("Node attestation was successful"), "log:\n\(second.logText)")

            // Another trust domain's agent finds no bundle of its own there and says which it found.
            let foreign = try AgentProcess(trustDomain: "other.org", serverPort: fixture.serverPort, trustBundlePath: nil,
                                           bootstrap: #"trust_bundle_spiffe_workload_api = "unix://\#(fixture.agent.socketPath)""#)
            foreign.environment = ["STEEPLE_BOOTSTRAP_RETRY_SECONDS": "0"]
            let refused = try await foreign.runToExit(joinToken: "unused")
            #expect(refused.status != 0)
            #expect(refused.log.contains(#"did not provide a trust bundle for trust domain "other.org" (it serves: example.org)"#), "log:\n\(refused.log)")
        }
    }

    private func joinToken(_ server: ServerProcess) async throws -> String {
        let token = try await server.cli(["token", "generate"])
        return String(try #require(token.stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7)))
    }
}

/// What a test started, stopped when it ends however it ends; the agent logs are printed on failure.
final class Stops {
    private var agents: [AgentProcess] = []
    private var servers: [ServerProcess] = []
    private var webs: [BundleWebServer] = []

    func add(_ agent: AgentProcess) { agents.append(agent) }
    func add(_ server: ServerProcess) { servers.append(server) }
    func add(_ web: BundleWebServer) { webs.append(web) }

    func stopAll(printingLogs: Bool) async {
        for agent in agents {
            if printingLogs { print("--- agent log\n" + agent.logText) }
            _ = try? await agent.stop()
        }
        for server in servers { _ = try? await server.stop() }
        for web in webs { web.stop() }
    }
}

func withStops(_ body: (Stops) async throws -> Void) async throws {
    let stops = Stops()
    do {
        try await body(stops)
        await stops.stopAll(printingLogs: false)
    } catch {
        await stops.stopAll(printingLogs: true)
        throw error
    }
}

extension AgentProcess {
    /// Runs the agent until it exits by itself (within 20 s); its status and log.
    func runToExit(joinToken: String?) async throws -> (status: Int32, log: String) {
        let process = try launch(joinToken: joinToken)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else {
            _ = try await stop()
            throw CLIFailure(message: "the agent did not exit; log:\n" + logText)
        }
        return (process.terminationStatus, logText)
    }
}

/// Python's `http.server` serving one bundle at `/bundle`: over TLS on a loopback port, with a certificate for
/// `localhost` from a CA of its own (`ca.pem`, made by openssl), or over plain HTTP on a Unix socket. It appends each
/// request's path and query to `requests.log`.
final class BundleWebServer {
    let directory: String
    let port: Int
    var socketPath: String { directory + "/bundle.sock" }
    private var child: ChildProcess?

    init(serving bundle: String, tls: Bool) throws {
        directory = NSTemporaryDirectory() + "steeple-bundle-web-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try bundle.write(toFile: directory + "/bundle.pem", atomically: true, encoding: .utf8)
        try Self.script.write(toFile: directory + "/serve.py", atomically: true, encoding: .utf8)
        port = tls ? try freeTCPPort() : 0
        if tls { try LoopbackServerCertificate.make(in: directory, caName: "bundle web test CA") }
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? "/usr/bin/python3"
        let arguments = tls
            ? [directory + "/serve.py", "https", directory, String(port)]
            : [directory + "/serve.py", "unix", directory, directory + "/bundle.sock"]
        self.python = python
        self.arguments = arguments
        if tls { try start() }
    }

    private let python: String
    private let arguments: [String]

    /// Starts the server (the initializer does for TLS; a Unix-socket one is started when the test says).
    func start() throws {
        child = try ChildProcess(arguments, executable: python, in: URL(fileURLWithPath: directory))
    }

    /// The requests served so far, one per line.
    var requests: String { (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? "" }

    func waitUntilServing() async throws {
        let child = try #require(child, "the bundle web server was not started")
        let output = try await child.waitForOutput { $0.contains("serving") }
        try #require(output.contains("serving"), "bundle web server did not start: \(output)")
    }

    func stop() {
        child?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let script = #"""
    import http.server, socketserver, ssl, sys
    mode, root, address = sys.argv[1:4]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with open(root + "/requests.log", "a") as log:
                log.write(self.path + "\n")
            if self.path.split("?")[0] != "/bundle":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = open(root + "/bundle.pem", "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-pem-file")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class UnixServer(socketserver.UnixStreamServer):
        def get_request(self):
            request, _ = super().get_request()
            return request, ("local", 0)

    if mode == "https":
        server = http.server.HTTPServer(("127.0.0.1", int(address)), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(root + "/leaf.pem", root + "/leaf.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    else:
        server = UnixServer(address, Handler)
    print("serving", flush=True)
    server.serve_forever()
    """#
}
