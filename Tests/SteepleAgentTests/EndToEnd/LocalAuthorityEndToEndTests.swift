import Foundation
import SteepleTestSupport
import Testing

/// Forced rotation, taint and revocation with SPIRE's `localauthority` commands, against a real server, agent and
/// workload: the workload's SVID is re-issued by the new authority at once, a tainted JWT key's cached tokens are
/// dropped, and after a revoke a TLS handshake with the old SVID fails against the bundle the workload now holds.
@Suite("LocalAuthority end to end", .serialized)
struct LocalAuthorityEndToEndTests {
    static let uid = getuid()

    /// `-output json` of a command, parsed.
    static func json(_ fixture: TrustDomainFixture, _ arguments: [String]) async throws -> [String: Any] {
        let output = try await fixture.server.cli(arguments + ["-output", "json"])
        try #require(output.status == 0, "\(arguments): \(output.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
    }

    static func id(_ object: [String: Any], _ key: String) throws -> String {
        try #require((object[key] as? [String: Any])?["authority_id"] as? String, "\(key) in \(object)")
    }

    /// The authority key ID of a PEM certificate, as lower-case hex without colons.
    static func authorityKeyID(_ pemPath: String) async throws -> String {
        let text = try await runTool("/usr/bin/openssl", ["x509", "-in", pemPath, "-noout", "-ext", "authorityKeyIdentifier"])
        let line = try #require(text.output.split(separator: "\n").dropFirst().first, "\(text.output)")
        return line.trimmingCharacters(in: .whitespaces).replacing("keyid:", with: "").replacing(":", with: "").lowercased()
    }

    /// Whether a TLS client trusting `bundle` completes a handshake with `openssl s_server` presenting `svid`/`key`.
    static func handshake(svid: String, key: String, bundle: String, directory: String) async throws -> (ok: Bool, output: String) {
        let server = try ChildProcess(
            ["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", svid, "-key", key, "-www"],
            in: URL(fileURLWithPath: directory))
        defer { server.stop() }
        let output = try await server.waitForOutput { $0.contains("ACCEPT 127.0.0.1:") }
        let port = try #require(output.split(separator: "\n").first { $0.hasPrefix("ACCEPT 127.0.0.1:") }?.split(separator: ":").last)
        let client = try await runTool("/bin/sh", ["-c", "/usr/bin/openssl s_client -connect 127.0.0.1:\(port) -CAfile '\(bundle)' -verify_return_error -brief </dev/null"])
        return (client.status == 0, client.output)
    }

    @Test("x509: prepare → activate re-issues the workload's SVID by the new authority at once (figure printed); taint; revoke removes the old authority from the workload's bundle and a handshake with the old SVID fails")
    func x509() async throws {
        try await TrustDomainFixture.with { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/rotated", selectors: ["unix:uid:\(Self.uid)"])
            let before = fixture.agent.directory + "/before"
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509", "-write", before]) }
            let watch = try LineReader(executable: try builtExecutable("steeple-agent"), arguments: ["api", "watch", "-socketPath", fixture.agent.socketPath])
            defer { watch.terminate() }
            let firstUntil = try await watch.waitForLine(containing: "SVID Valid Until:", timeout: .seconds(10))

            let shown = try await Self.json(fixture, ["localauthority", "x509", "show"])
            let old = try Self.id(shown, "active")
            #expect(shown["prepared"] == nil || shown["prepared"] is NSNull, "\(shown)")
            #expect(try await Self.authorityKeyID(before + "/svid.0.pem") == old)

            let prepared = try await fixture.server.cli(["localauthority", "x509", "prepare"])
            #expect(prepared.status == 0, "\(prepared.stderr)")
            let lines = prepared.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == "Prepared X.509 authority:", "\(prepared.stdout)")
            #expect(lines.count == 5 && lines[2].hasPrefix("  Expires at: ") && lines[2].hasSuffix(" +0000 UTC"), "\(prepared.stdout)")
            #expect(lines[3] == "  Upstream authority ID: No upstream authority", "\(prepared.stdout)")
            let next = try #require(lines[1].split(separator: "Authority ID: ").last.map(String.init))
            #expect(try Self.id(try await Self.json(fixture, ["localauthority", "x509", "show"]), "prepared") == next)

            let refused = try await fixture.server.cli(["localauthority", "x509", "activate", "-authorityID", old])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("Error: could not activate X.509 authority: rpc error: code = InvalidArgument desc = unexpected authority ID"), "\(refused.stderr)")

            // A new SVID is a second later at least: its expiry line differs from the first one's.
            try await Task.sleep(for: .milliseconds(1100))
            let activateStarted = ContinuousClock.now
            let activated = try await Self.json(fixture, ["localauthority", "x509", "activate", "-authorityID", next])
            let activateReturned = ContinuousClock.now
            #expect(try Self.id(activated, "activated_authority") == next)
            let reissued = try await watch.waitForLine(timeout: .seconds(10)) { $0.hasPrefix("SVID Valid Until:") && $0 != firstUntil }
            print("localauthority x509 activate: `activate` started -> re-issued SVID on the workload's open stream: \(reissued.arrival - activateStarted) (the CLI process itself took \(activateReturned - activateStarted))")
            let after = fixture.agent.directory + "/after"
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509", "-write", after]) }
            #expect(try await Self.authorityKeyID(after + "/svid.0.pem") == next, "the workload's SVID is signed by the activated authority")

            let tainted = try await fixture.server.cli(["localauthority", "x509", "taint", "-authorityID", old])
            #expect(tainted.status == 0, "\(tainted.stderr)")
            #expect(tainted.stdout.hasPrefix("Tainted X.509 authority:\n  Authority ID: \(old)\n  Expires at: "), "\(tainted.stdout)")
            let bundle = try await Self.json(fixture, ["bundle", "show"])
            // The old authority is the one root of the bundle the workload held before: it, and only it, is marked.
            let oldDER = try await runTool("/bin/sh", ["-c", "/usr/bin/openssl x509 -in '\(before)/bundle.0.pem' -outform DER | base64 -w0"]).output
            let marks = try #require(bundle["x509_authorities"] as? [[String: Any]]).map { ($0["asn1"] as? String == oldDER, $0["tainted"] as? Bool ?? false) }
            #expect(marks.count == 2 && marks.allSatisfy { $0.0 == $0.1 } && marks.contains { $0.0 }, "GetBundle marks the tainted authority: \(marks)")

            // Before the revoke, the old SVID still verifies against the workload's bundle.
            let held = try await Self.handshake(svid: before + "/svid.0.pem", key: before + "/svid.0.key", bundle: after + "/bundle.0.pem", directory: fixture.agent.directory)
            #expect(held.ok, "\(held.output)")

            let revoked = try await fixture.server.cli(["localauthority", "x509", "revoke", "-authorityID", old])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            #expect(revoked.stdout.contains("Revoked X.509 authority:\n  Authority ID: \(old)\n"), "\(revoked.stdout)")
            let revokedDir = fixture.agent.directory + "/revoked"
            let oneCA = try await retrying(for: .seconds(10), until: { !$0.stdout.contains("CA #2") }) {
                try await fixture.agent.cli(["api", "fetch", "x509", "-write", revokedDir])
            }
            #expect(!oneCA.stdout.contains("CA #2"), "the workload's bundle still holds two authorities: \(oneCA.stdout)")
            let refusedOld = try await Self.handshake(svid: before + "/svid.0.pem", key: before + "/svid.0.key", bundle: revokedDir + "/bundle.0.pem", directory: fixture.agent.directory)
            #expect(!refusedOld.ok, "a handshake with the old SVID succeeded after the revoke: \(refusedOld.output)")
            let current = try await Self.handshake(svid: after + "/svid.0.pem", key: after + "/svid.0.key", bundle: revokedDir + "/bundle.0.pem", directory: fixture.agent.directory)
            #expect(current.ok, "\(current.output)")
            let shownAfter = try await Self.json(fixture, ["localauthority", "x509", "show"])
            #expect(try Self.id(shownAfter, "active") == next)
            #expect(shownAfter["old"] == nil || shownAfter["old"] is NSNull, "\(shownAfter)")
        }
    }

    @Test("jwt: after activate the agent still serves its cached token; a taint of the old key makes it fetch one of the new key at once (figure printed); a revoke makes the old token fail validation")
    func jwt() async throws {
        try await TrustDomainFixture.with { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/jwt", selectors: ["unix:uid:\(Self.uid)"])
            func token() async throws -> String {
                let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", "db"]) }
                return try #require(fetched.stdout.split(separator: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces))
            }
            func kid(_ token: String) throws -> String? {
                struct Header: Decodable { let kid: String }
                let header = String(token.split(separator: ".")[0]).replacing("-", with: "+").replacing("_", with: "/")
                let padded = header + String(repeating: "=", count: (4 - header.count % 4) % 4)
                return try JSONDecoder().decode(Header.self, from: try #require(Data(base64Encoded: padded))).kid
            }
            let first = try await token()
            let old = try Self.id(try await Self.json(fixture, ["localauthority", "jwt", "show"]), "active")
            #expect(try kid(first) == old)

            let next = try Self.id(try await Self.json(fixture, ["localauthority", "jwt", "prepare"]), "prepared_authority")
            let activated = try await fixture.server.cli(["localauthority", "jwt", "activate", "-authorityID", next])
            #expect(activated.status == 0, "\(activated.stderr)")
            #expect(activated.stdout.hasPrefix("Activated JWT authority:\n  Authority ID: \(next)\n  Expires at: "), "\(activated.stdout)")
            #expect(!activated.stdout.contains("Upstream"), "JWT authorities have no upstream line")
            // The agent's sync has told it of the activation when its bundle holds the key; the cache still answers.
            _ = try await retrying(for: .seconds(10), until: { $0.stdout.contains(next) }) { try await fixture.server.cli(["bundle", "show", "-format", "spiffe"]) }
            #expect(try await token() == first, "the cached token of the old key is still served before a taint")

            let taintStarted = ContinuousClock.now
            let tainted = try await Self.json(fixture, ["localauthority", "jwt", "taint", "-authorityID", old])
            #expect(try Self.id(tainted, "tainted_authority") == old)
            let fresh = try await retrying(for: .seconds(10), until: { $0 != first }) { try await token() }
            print("localauthority jwt taint: `taint` started -> a JWT-SVID of the new key from the agent: \(ContinuousClock.now - taintStarted) (polling with `api fetch jwt`)")
            #expect(fresh != first, "the agent still serves the token of the tainted key")
            #expect(try kid(fresh) == next)

            #expect(try await fixture.agent.cli(["api", "validate", "jwt", "-audience", "db", "-svid", first]).status == 0, "valid before the revoke")
            let revoked = try await fixture.server.cli(["localauthority", "jwt", "revoke", "-authorityID", old])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            let rejected = try await retrying(for: .seconds(10), until: { $0.status != 0 }) {
                try await fixture.agent.cli(["api", "validate", "jwt", "-audience", "db", "-svid", first])
            }
            #expect(rejected.status != 0, "a token of the revoked key still validates")
            #expect(try await fixture.agent.cli(["api", "validate", "jwt", "-audience", "db", "-svid", fresh]).status == 0)
            let again = try await fixture.server.cli(["localauthority", "jwt", "taint", "-authorityID", old])
            #expect(again.stderr.contains("Error: could not taint JWT authority: rpc error: code = InvalidArgument desc = unexpected authority ID"), "\(again.stderr)")
            let missing = try await fixture.server.cli(["localauthority", "jwt", "revoke"])
            #expect(missing.status != 0 && missing.stderr.contains("Error: an authority ID is required"), "\(missing.stderr)")
        }
    }
}
