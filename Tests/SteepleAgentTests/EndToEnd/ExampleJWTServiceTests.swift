import Foundation
import SteepleTestSupport
import Testing

/// Examples/HummingbirdJWT (its own package, built by scripts/test) against a real server and agent: callers present
/// JWT-SVIDs fetched by the real agent CLI, sent by curl.
@Suite("Hummingbird JWT-SVID example", .serialized)
struct ExampleJWTServiceTests {
    static var executable: String? { InteropEnvironment.exampleJWTService }
    static var required: Bool { InteropEnvironment.required }

    @Test("a valid JWT-SVID of an authorized caller gets 200; none, a bad one or the wrong audience 401; another caller 403",
          .enabled(if: executable != nil || required, "STEEPLE_EXAMPLE_JWT_SERVICE not set; scripts/test builds the example and sets it"))
    func authenticatesCallers() async throws {
        let executable = try #require(Self.executable, "STEEPLE_EXAMPLE_JWT_SERVICE is not set: run scripts/test, which builds Examples/HummingbirdJWT")
        try await TrustDomainFixture.with { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/caller", selectors: ["unix:uid:\(getuid())"])
            try await fixture.createEntry(spiffeID: "spiffe://example.org/stranger", selectors: ["unix:uid:65534"])
            let port = try freeTCPPort()
            let service = Process()
            service.executableURL = URL(fileURLWithPath: executable)
            service.arguments = ["--port", String(port), "--caller-id", "spiffe://example.org/caller"]
            service.environment = ProcessInfo.processInfo.environment.merging(
                ["SPIFFE_ENDPOINT_SOCKET": "unix://" + fixture.agent.socketPath]) { $1 }
            let log = fixture.agent.directory + "/example-jwt-service.log"
            FileManager.default.createFile(atPath: log, contents: nil)
            service.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            service.standardError = service.standardOutput
            try service.run()
            defer {
                // SIGKILL: a child of a test thread may inherit a blocked SIGTERM.
                kill(service.processIdentifier, SIGKILL)
                _ = waitForExitBlocking(service, within: .seconds(10))
            }

            let base = "http://127.0.0.1:\(port)"
            let health = try await retrying(for: .seconds(15), until: { $0.status == 200 }) { try Self.get(base + "/health") }
            #expect(health.status == 200, "example-jwt-service never answered: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

            let missing = try Self.get(base + "/hello")
            #expect(missing.status == 401)
            #expect(missing.body.contains("missing"), "\(missing.body)")

            let token = try await fetchToken(fixture, audience: "example-jwt-service")
            // The service's JWTSource may still be waiting for its first bundle: retry until it answers 200.
            let hello = try await retrying(for: .seconds(15), until: { $0.status == 200 }) { try Self.get(base + "/hello", token: token) }
            #expect(hello.status == 200, "\(hello.body)")
            #expect(hello.body == "hello, spiffe://example.org/caller\n")

            let otherAudience = try Self.get(base + "/hello", token: try await fetchToken(fixture, audience: "another-service"))
            #expect(otherAudience.status == 401)
            #expect(otherAudience.body.contains("audienceMismatch"), "\(otherAudience.body)")

            var tampered = Array(token.utf8)
            let last = tampered.count - 2
            tampered[last] = tampered[last] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let forged = try Self.get(base + "/hello", token: String(decoding: tampered, as: UTF8.self))
            #expect(forged.status == 401)
            #expect(forged.body.contains("invalidSignature") || forged.body.contains("malformedJWT"), "\(forged.body)")

            let strangerToken = try await fetchToken(fixture, audience: "example-jwt-service", asUser: 65534)
            let stranger = try Self.get(base + "/hello", token: strangerToken)
            #expect(stranger.status == 403)
            #expect(stranger.body.contains("stranger may not call"), "\(stranger.body)")
        }
    }

    /// A JWT-SVID from the real agent CLI (`api fetch jwt` prints the token on its second line).
    private func fetchToken(_ fixture: TrustDomainFixture, audience: String, asUser uid: UInt32? = nil) async throws -> String {
        let output = try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", audience], asUser: uid)
        try #require(output.status == 0, "api fetch jwt: \(output.stderr)")
        return try #require(output.stdout.split(separator: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces))
    }

    /// `curl` GET: the status code and the body.
    static func get(_ url: String, token: String? = nil) throws -> (status: Int, body: String) {
        var arguments = ["-s", "-w", "\n%{http_code}", url]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let run = try runToolBlocking("/usr/bin/curl", arguments)
        guard let split = run.output.lastIndex(of: "\n") else { return (0, run.output) }
        return (Int(run.output[run.output.index(after: split)...]) ?? 0, String(run.output[..<split]))
    }
}
