import Foundation
import SteepleTestSupport
import Testing

/// The mTLS echo examples against `openssl s_client`/`s_server` presenting the files the real agent writes with
/// `api fetch x509 -write`: each example takes its identity from the same agent's Workload API (as root); the openssl
/// side's files are fetched by user nobody, who has its own entry.
@Suite("mTLS examples with openssl and agent-written files", .serialized, .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
struct AgentFilesOpenSSLTests {
    static let serverID = "spiffe://example.org/server"
    static let clientID = "spiffe://example.org/client"

    @Test("example-mtls-echo-server accepts s_client with the agent's files for an authorized ID, refuses it otherwise; example-mtls-echo-client completes mTLS with s_server")
    func examplesAgainstOpenSSL() async throws {
        try await TrustDomainFixture.with { fixture in
            try await fixture.createEntry(spiffeID: Self.serverID, selectors: ["unix:uid:\(getuid())"])
            try await fixture.createEntry(spiffeID: Self.clientID, selectors: ["unix:uid:65534"])
            let files = URL(fileURLWithPath: fixture.agent.directory + "/nobody-svids")
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
            let written = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509", "-write", files.path], asUser: 65534) }
            #expect(written.stdout.contains(Self.clientID), "\(written.stdout)\(written.stderr)")
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            let environment = ["SPIFFE_ENDPOINT_SOCKET": "unix://" + fixture.agent.socketPath]
            let sClient = ["s_client", "-cert", "svid.0.pem", "-key", "svid.0.key", "-CAfile", "bundle.0.pem", "-verify_return_error", "-quiet"]

            // Authorized: the echo comes back, and the server names the client by its SPIFFE ID.
            let server = try ChildProcess(["--port", "0", "--client-id", Self.clientID], executable: try builtExecutable("example-mtls-echo-server"), environment: environment, in: files)
            defer { server.stop() }
            let port = try await Self.listeningPort(server)
            let accepted = try ChildProcess(sClient + ["-connect", "127.0.0.1:\(port)"], in: files)
            defer { accepted.stop() }
            accepted.send("hello-from-openssl\n")
            let echoed = try await accepted.waitForOutput { $0.contains("hello-from-openssl") }
            #expect(echoed.contains("hello-from-openssl"), "s_client: \(echoed)")
            let serverLog = try await server.waitForOutput { $0.contains("\(Self.clientID): hello-from-openssl") }
            #expect(serverLog.contains("\(Self.clientID): hello-from-openssl"), "server: \(serverLog)")

            // Not authorized: the same files against a server that accepts only another ID.
            let strict = try ChildProcess(["--port", "0", "--client-id", "spiffe://example.org/someone-else"], executable: try builtExecutable("example-mtls-echo-server"), environment: environment, in: files)
            defer { strict.stop() }
            let strictPort = try await Self.listeningPort(strict)
            let refused = try ChildProcess(sClient + ["-connect", "127.0.0.1:\(strictPort)"], in: files)
            defer { refused.stop() }
            refused.send("should-not-echo\n")
            let strictLog = try await strict.waitForOutput { $0.contains("idNotAuthorized") }
            #expect(strictLog.contains("mTLS peer rejected") && strictLog.contains("idNotAuthorized"), "server: \(strictLog)")
            _ = try await refused.waitForExit()
            #expect(!refused.output.contains("should-not-echo"), "s_client: \(refused.output)")

            // The Swift client against openssl s_server presenting the agent-written files (-rev: replies reversed):
            // it completes mTLS when it expects that ID, and refuses the same server when it expects another.
            for (expected, accepts) in [(Self.clientID, true), ("spiffe://example.org/someone-else", false)] {
                let sServer = try ChildProcess(
                    ["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", "svid.0.pem", "-key", "svid.0.key",
                     "-CAfile", "bundle.0.pem", "-Verify", "1", "-verify_return_error", "-rev"],
                    in: files)
                defer { sServer.stop() }
                let banner = try await sServer.waitForOutput { $0.contains("ACCEPT 127.0.0.1:") }
                let sPort = try #require(banner.split(separator: "\n").first { $0.hasPrefix("ACCEPT 127.0.0.1:") }?.split(separator: ":").last, "s_server: \(banner)")
                let client = try ChildProcess(
                    ["--port", String(sPort), "--server-id", expected, "--message", "abc\n"],
                    executable: try builtExecutable("example-mtls-echo-client"), environment: environment, in: files)
                defer { client.stop() }
                #expect(try await client.waitForExit(seconds: 30))
                #expect(client.output.contains("\(Self.clientID) replied: cba") == accepts, "client expecting \(expected): \(client.output)")
            }
        }
    }

    /// The port from the example server's "listening on" line.
    static func listeningPort(_ server: ChildProcess) async throws -> Int {
        let banner = try await server.waitForOutput(seconds: 30) { $0.contains("listening on") }
        let port = banner.split(separator: "\n").first { $0.contains("listening on") }?.split(separator: ":").last.flatMap { Int($0) }
        return try #require(port, "example-mtls-echo-server did not start: \(banner)")
    }
}
