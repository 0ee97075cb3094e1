import Foundation
import SteepleTestSupport
import SPIFFE
import Testing

/// Starts the real `steeple-server` process and drives it with the real CLI, as an operator would.
@Suite("steeple-server end to end", .serialized)
struct ServerEndToEndTests {
    static let parent = "spiffe://example.org/spire/agent/join_token/e2e"

    @Test("entries, tokens, bundles, minting and a restart that keeps everything")
    func operatorWorkflow() async throws {
        let server = try ServerProcess()
        try await server.start()

        // entry create / show / count / update, with SPIRE's grammar.
        let created = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent,
                                      "-selector", "unix:uid:1000", "-selector", "unix:gid:1000", "-dns", "web.example.org"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("SPIFFE ID        : spiffe://example.org/web"))
        #expect(created.stdout.contains("Selector         : unix:uid:1000"))
        let entryID = try #require(Self.field("Entry ID", in: created.stdout))
        #expect(try await server.cli(["entry", "count"]).stdout.contains("1 registration entr"))
        let shown = try await server.cli(["entry", "show", "-spiffeID", "spiffe://example.org/web"])
        #expect(shown.stdout.contains(entryID))
        let updated = try await server.cli(["entry", "update", "-entryID", entryID, "-spiffeID", "spiffe://example.org/web",
                                      "-parentID", Self.parent, "-selector", "unix:uid:1001"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(Self.field("Revision", in: updated.stdout) == "1")
        #expect(updated.stdout.contains("unix:uid:1001"))

        // token generate
        let token = try await server.cli(["token", "generate", "-spiffeID", "spiffe://example.org/node/one"])
        #expect(token.status == 0, "\(token.stderr)")
        #expect(token.stdout.hasPrefix("Token: "))

        // bundle show in both formats, parsed by openssl and by our own library.
        let pem = try await server.cli(["bundle", "show"])
        #expect(pem.stdout.hasPrefix("-----BEGIN CERTIFICATE-----"))
        try pem.stdout.write(toFile: server.directory + "/bundle.pem", atomically: true, encoding: .utf8)
        let parsed = try await runTool("/usr/bin/openssl", ["x509", "-in", server.directory + "/bundle.pem", "-noout", "-ext", "subjectAltName,basicConstraints"])
        #expect(parsed.status == 0, "\(parsed.output)")
        #expect(parsed.output.contains("URI:spiffe://example.org"))
        #expect(parsed.output.contains("CA:TRUE"))
        let json = try await server.cli(["bundle", "show", "-format", "spiffe"])
        let bundle = try SPIFFEBundle(trustDomain: try TrustDomain("example.org"), json: Array(json.stdout.utf8))
        #expect(bundle.x509Authorities.count == 1)
        #expect(bundle.jwtAuthorities.count == 1)
        #expect((bundle.sequenceNumber ?? 0) >= 1)

        // x509 mint -write: openssl verify accepts it against the bundle.
        let out = server.directory + "/minted"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let minted = try await server.cli(["x509", "mint", "-spiffeID", "spiffe://example.org/minted", "-dns", "minted.example.org", "-write", out])
        #expect(minted.status == 0, "\(minted.stderr)")
        let verify = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", out + "/bundle.pem", out + "/svid.pem"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("OK"))
        let svid = try X509SVID(chainPEM: try String(contentsOfFile: out + "/svid.pem", encoding: .utf8), privateKeyPEM: try String(contentsOfFile: out + "/key.pem", encoding: .utf8))
        #expect(svid.id.string == "spiffe://example.org/minted")

        // jwt mint: validates against the published JWT keys.
        let jwt = try await server.cli(["jwt", "mint", "-spiffeID", "spiffe://example.org/minted", "-audience", "api"])
        #expect(jwt.status == 0, "\(jwt.stderr)")
        let validated = try JWTSVID.parseAndValidate(token: jwt.stdout.trimmingCharacters(in: .whitespacesAndNewlines), bundles: bundle, audience: ["api"], now: Date())
        #expect(validated.subject.string == "spiffe://example.org/minted")

        // Restart: the same CA and every entry survive.
        #expect(try await server.stop() == 0)
        try await server.start()
        #expect(try await server.cli(["bundle", "show"]).stdout == pem.stdout)
        #expect(try await server.cli(["entry", "show", "-entryID", entryID]).stdout.contains("unix:uid:1001"))

        let deleted = try await server.cli(["entry", "delete", "-entryID", entryID])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        // What remains is the alias entry that `token generate -spiffeID` made.
        let remaining = try await server.cli(["entry", "show"])
        #expect(remaining.stdout.contains("Found 1 entry"))
        #expect(remaining.stdout.contains("spiffe://example.org/node/one"))
        #expect(!remaining.stdout.contains(entryID))
        try await server.stop()
    }

    /// Each bad input is refused with a message naming the problem, and nothing is stored.
    static let badEntries: [(String, [String])] = [
        ("invalid SPIFFE ID", ["-spiffeID", "spiffe://Example.org/web", "-parentID", parent, "-selector", "unix:uid:1"]),
        ("trailing slash", ["-spiffeID", "spiffe://example.org/web/", "-parentID", parent, "-selector", "unix:uid:1"]),
        ("reserved path", ["-spiffeID", "spiffe://example.org/spire/agent/x", "-parentID", parent, "-selector", "unix:uid:1"]),
        ("other trust domain", ["-spiffeID", "spiffe://other.org/web", "-parentID", parent, "-selector", "unix:uid:1"]),
        ("no selectors", ["-spiffeID", "spiffe://example.org/web", "-parentID", parent]),
        ("malformed selector", ["-spiffeID", "spiffe://example.org/web", "-parentID", parent, "-selector", "unix"]),
        ("TTL beyond the CA", ["-spiffeID", "spiffe://example.org/web", "-parentID", parent, "-selector", "unix:uid:1", "-x509SVIDTTL", "172800"]),
    ]

    @Test("bad input is refused clearly and stores nothing")
    func badInput() async throws {
        let server = try ServerProcess()
        try await server.start()
        let first = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent, "-selector", "unix:uid:1"])
        #expect(first.status == 0, "\(first.stderr)")
        for (name, arguments) in Self.badEntries {
            let result = try await server.cli(["entry", "create"] + arguments)
            #expect(result.status != 0, "\(name) was accepted")
            #expect(!result.stderr.isEmpty, "\(name) printed no error")
        }
        let duplicate = try await server.cli(["entry", "create", "-spiffeID", "spiffe://example.org/web", "-parentID", Self.parent, "-selector", "unix:uid:1"])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("AlreadyExists"))
        #expect(try await server.cli(["entry", "count"]).stdout.contains("1 registration entr"))
        // A batch with a duplicate in it: the batch transaction fails, each entry then gets its own status.
        let batch = server.directory + "/batch.json"
        let document = #"{"entries": ["# + ["spiffe://example.org/batch-a", "spiffe://example.org/web", "spiffe://example.org/batch-b"].map {
            #"{"spiffe_id": "\#($0)", "parent_id": "\#(Self.parent)", "selectors": [{"type": "unix", "value": "uid:1"}]}"#
        }.joined(separator: ", ") + "]}"
        try document.write(toFile: batch, atomically: true, encoding: .utf8)
        let mixed = try await server.cli(["entry", "create", "-data", batch])
        #expect(mixed.status != 0, "the duplicate must be reported")
        #expect(mixed.stderr.contains("AlreadyExists"), "\(mixed.stderr)")
        #expect(try await server.cli(["entry", "count"]).stdout.contains("3 registration entr"))
        // A clean batch goes in as one transaction.
        let clean = #"{"entries": ["# + (1...50).map {
            #"{"spiffe_id": "spiffe://example.org/bulk/\#($0)", "parent_id": "\#(Self.parent)", "selectors": [{"type": "unix", "value": "uid:2"}]}"#
        }.joined(separator: ", ") + "]}"
        try clean.write(toFile: batch, atomically: true, encoding: .utf8)
        #expect(try await server.cli(["entry", "create", "-data", batch]).status == 0)
        #expect(try await server.cli(["entry", "count"]).stdout.contains("53 registration entr"))
        let badConfig = try await server.cli(["validate", "-config", "/nonexistent/server.conf"])
        #expect(badConfig.status != 0)
        try await server.stop()
    }

    static func field(_ name: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(name) {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
