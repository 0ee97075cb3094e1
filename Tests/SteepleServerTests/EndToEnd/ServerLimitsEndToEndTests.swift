import Foundation
import SteepleTestSupport
import Testing

/// Issue #11, "limits": oversized entries and batches are refused quickly with a message that names the bound;
/// big `-data` documents still go through because the CLI splits them.
@Suite("steeple-server admin API limits end to end", .serialized)
struct ServerLimitsEndToEndTests {
    static let parent = "spiffe://example.org/spire/agent/join_token/e2e"
    static let base = ["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", parent]

    /// Runs the CLI and returns its output and how long it took.
    static func timed(_ server: ServerProcess, _ arguments: [String], stdin: String? = nil) async throws -> (ServerProcess.Output, Duration) {
        let start = ContinuousClock.now
        let output = try await server.cli(arguments, stdin: stdin)
        return (output, ContinuousClock.now - start)
    }

    @Test("a 100 KB selector, 1,000 selectors, too many DNS names or federated domains are refused naming the bound, and nothing is stored (the time each took is printed, not asserted: it is mostly the CLI process starting on a loaded machine)")
    func oversizedEntries() async throws {
        let server = try ServerProcess()
        try await server.start()
        let cases: [(String, [String], String)] = [
            ("100 KB selector", ["-selector", "unix:" + String(repeating: "a", count: 100_000)], "at most 1024"),
            ("1,000 selectors", (0..<1000).flatMap { ["-selector", "unix:uid:\($0)"] }, "at most 64"),
            ("65 DNS names", ["-selector", "unix:uid:1"] + (0..<65).flatMap { ["-dns", "h\($0).example.org"] }, "at most 64"),
            ("254-byte DNS name", ["-selector", "unix:uid:1", "-dns", String(repeating: "a.", count: 127)], "at most 253"),
            ("65 federated trust domains", ["-selector", "unix:uid:1"] + (0..<65).flatMap { ["-federatesWith", "spiffe://td\($0).org"] }, "at most 64"),
        ]
        for (name, arguments, bound) in cases {
            let (result, elapsed) = try await Self.timed(server, Self.base + arguments)
            print("\(name): refused in \(elapsed)")
            #expect(result.status != 0, "\(name) was accepted")
            #expect(result.stderr.contains(bound), "\(name): \(result.stderr.prefix(500))")
            let reason = result.stderr.split(separator: "\n").first { $0.hasPrefix("Failed to create") } ?? ""
            #expect(reason.utf8.count < 1024, "\(name): the server's message echoes the whole input")
        }
        // The server's own check, without the CLI's: 1,000 selectors in a -data document.
        let document = #"{"entries": [{"spiffe_id": "spiffe://example.org/many", "parent_id": "\#(Self.parent)", "selectors": ["# + (0..<1000).map {
            #"{"type": "unix", "value": "uid:\#($0)"}"#
        }.joined(separator: ", ") + "]}]}"
        let path = server.directory + "/many.json"
        try document.write(toFile: path, atomically: true, encoding: .utf8)
        let (many, elapsed) = try await Self.timed(server, ["entry", "create", "-data", path])
        print("1,000 selectors in -data: refused in \(elapsed)")
        #expect(many.status != 0)
        #expect(many.stderr.contains("1000 selectors: at most 64"), "\(many.stderr.prefix(300))")
        #expect(try await server.cli(["entry", "count"]).stdout.contains("0 registration entr"))
        #expect(try await server.stop() == 0)
    }

    @Test("-federatesWith a trust domain whose bundle is not set is refused with SPIRE's words; bundle set, list and delete of a federated bundle work, the own one is refused")
    func federatesWithNeedsBundle() async throws {
        let server = try ServerProcess()
        try await server.start()
        let entry = Self.base + ["-selector", "unix:uid:1", "-federatesWith", "spiffe://other.org"]
        let refused = try await server.cli(entry)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(#"unable to find federated bundle \"spiffe://other.org\""#), "\(refused.stderr)")
        #expect(try await server.cli(["entry", "count"]).stdout.contains("0 registration entr"))

        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=other",
            "-keyout", server.directory + "/other.key", "-out", server.directory + "/other.pem",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let set = try await server.cli(["bundle", "set", "-id", "spiffe://other.org", "-path", server.directory + "/other.pem"])
        #expect(set.status == 0, "\(set.stderr)")
        let accepted = try await server.cli(entry)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("FederatesWith    : other.org"))  // SPIRE prints trust domain names here
        #expect(try await server.cli(["bundle", "list"]).stdout.contains("* other.org\n"))

        // The server's own bundle is the CA's, never set or deleted by hand.
        let own = try await server.cli(["bundle", "set", "-id", "spiffe://example.org", "-path", server.directory + "/other.pem"])
        #expect(own.status != 0)
        #expect(own.stderr.contains("own trust domain"), "\(own.stderr)")
        // A bundle an entry federates with stays until the entry goes.
        let inUse = try await server.cli(["bundle", "delete", "-id", "spiffe://other.org"])
        #expect(inUse.status != 0)
        #expect(inUse.stderr.contains("federated with by 1 registration entries"), "\(inUse.stderr)")
        let id = try #require(accepted.stdout.split(separator: "\n").first { $0.hasPrefix("Entry ID") }?.split(separator: ":", maxSplits: 1).last)
        #expect(try await server.cli(["entry", "delete", "-entryID", id.trimmingCharacters(in: .whitespaces)]).status == 0)
        let deleted = try await server.cli(["bundle", "delete", "-id", "spiffe://other.org"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(!(try await server.cli(["bundle", "list"]).stdout.contains("other.org")))
        #expect(try await server.stop() == 0)
    }

    @Test("a -data document of 1,001 entries goes through in batches of 500; a request over 4 MiB is reported as too large")
    func batches() async throws {
        let server = try ServerProcess()
        try await server.start()
        let document = #"{"entries": ["# + (1...1001).map {
            #"{"spiffe_id": "spiffe://example.org/bulk/\#($0)", "parent_id": "\#(Self.parent)", "selectors": [{"type": "unix", "value": "uid:\#($0)"}]}"#
        }.joined(separator: ", ") + "]}"
        let path = server.directory + "/bulk.json"
        try document.write(toFile: path, atomically: true, encoding: .utf8)
        let created = try await server.cli(["entry", "create", "-data", path])
        #expect(created.status == 0, "\(created.stderr.prefix(500))")
        #expect(try await server.cli(["entry", "count"]).stdout.contains("1001 registration entr"))

        let huge = #"{"entries": [{"spiffe_id": "spiffe://example.org/huge", "parent_id": "\#(Self.parent)", "selectors": [{"type": "unix", "value": "uid:1"}], "hint": "\#(String(repeating: "h", count: 5 * 1024 * 1024))"}]}"#
        try huge.write(toFile: path, atomically: true, encoding: .utf8)
        let (tooLarge, elapsed) = try await Self.timed(server, ["entry", "create", "-data", path])
        #expect(tooLarge.status != 0)
        #expect(tooLarge.stderr.contains("request too large"), "\(tooLarge.stderr.prefix(500))")
        #expect(tooLarge.stderr.contains("limit 4194304"), "\(tooLarge.stderr.prefix(500))")
        #expect(!tooLarge.stderr.contains("is steeple-server running"), "\(tooLarge.stderr.prefix(500))")
        #expect(elapsed < .seconds(10))
        #expect(try await server.cli(["healthcheck"]).status == 0)
        #expect(try await server.stop() == 0)
    }
}
