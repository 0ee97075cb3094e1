import Foundation
import SteepleTestSupport
import Testing

/// `steeple-agent debug explain -pid N` and `steeple-server debug explain -selector …`, real processes: processes of
/// two users, each getting its own entry's identity and told exactly which selectors the others' entries need.
@Suite("debug explain end to end", .serialized)
struct ExplainEndToEndTests {
    /// Another user's process when this runs as root (setpriv), else one of our own.
    static let otherUID: UInt32 = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") ? 65534 : getuid()

    @Test("explain -pid: a process of another user, one of ours, a near miss, a process that is gone; the server's view of a selector set")
    func explain() async throws {
        let (fixture, admin) = try AgentAdminEndToEndTests.fixture()
        let me = getuid()
        try await TrustDomainFixture.with(fixture) { fixture in
            let mine = try await fixture.createEntry(spiffeID: "spiffe://example.org/mine", selectors: ["unix:uid:\(me)"])
            let other = try await fixture.createEntry(spiffeID: "spiffe://example.org/other", selectors: ["unix:uid:\(Self.otherUID)"], extra: ["-hint", "the other user"])
            let strict = try await fixture.createEntry(spiffeID: "spiffe://example.org/strict", selectors: ["unix:uid:\(me)", "unix:gid:12345"])
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }

            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: Self.otherUID == me ? "/bin/sleep" : "/usr/bin/setpriv")
            sleeper.arguments = Self.otherUID == me ? ["30"] : ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sleep", "30"]
            try sleeper.run()
            defer { if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL) } }
            // setpriv execs sleep: the pid is the sleeper's once its credentials change.
            for _ in 0..<50 where Self.otherUID != me {
                let status = (try? String(contentsOfFile: "/proc/\(sleeper.processIdentifier)/status", encoding: .utf8)) ?? ""
                if status.contains("Uid:\t\(Self.otherUID)") { break }
                try await Task.sleep(for: .milliseconds(20))
            }

            // The other user's process: its entry matches, ours lists the uid it lacks.
            let json = try await AgentAdminEndToEndTests.admin(admin, ["debug", "explain", "-pid", "\(sleeper.processIdentifier)", "-output", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((object["selectors"] as? [String])?.contains("unix:uid:\(Self.otherUID)") == true, "\(object)")
            let entries = try #require(object["entries"] as? [[String: Any]])
            #expect(entries.count == 3)
            let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0["entry_id"] as? String ?? "", $0) })
            #expect(byID[other]?["matched"] as? Bool == true)
            if Self.otherUID != me {
                #expect(byID[mine]?["matched"] == nil, "false is omitted")
                #expect(byID[mine]?["missing_selectors"] as? [String] == ["unix:uid:\(me)"])
                #expect(Set(byID[strict]?["missing_selectors"] as? [String] ?? []) == ["unix:uid:\(me)", "unix:gid:12345"])
                #expect(entries.first?["entry_id"] as? String == other, "the match comes first")
            }

            let pretty = try await AgentAdminEndToEndTests.admin(admin, ["debug", "explain", "-pid", "\(sleeper.processIdentifier)"])
            #expect(pretty.stdout.contains("Process \(sleeper.processIdentifier) (uid \(Self.otherUID), gid \(Self.otherUID))"), "\(pretty.stdout)")
            #expect(pretty.stdout.contains("MATCH    spiffe://example.org/other  (entry \(other))"), "\(pretty.stdout)")
            #expect(pretty.stdout.contains("hint:      the other user"))
            #expect(pretty.stdout.contains("Identities: spiffe://example.org/other"), "\(pretty.stdout)")

            // Our own process: our entry matches and its SVID is ready; the strict one lacks only the gid.
            let ours = try await AgentAdminEndToEndTests.admin(admin, ["debug", "explain", "-pid", "\(getpid())"])
            #expect(ours.stdout.contains("MATCH    spiffe://example.org/mine  (entry \(mine))"), "\(ours.stdout)")
            #expect(ours.stdout.contains("X509-SVID ready"), "\(ours.stdout)")
            #expect(ours.stdout.contains("NO MATCH spiffe://example.org/strict  (entry \(strict))\n           selectors: unix:gid:12345, unix:uid:\(me)\n           lacks:     unix:gid:12345\n"), "\(ours.stdout)")

            // A process that is gone: said plainly, not an RPC failure.
            // SIGKILL: a child of the test runner may inherit a blocked SIGTERM.
            kill(sleeper.processIdentifier, SIGKILL)
            sleeper.waitUntilExit()
            let gone = try await AgentAdminEndToEndTests.admin(admin, ["debug", "explain", "-pid", "\(sleeper.processIdentifier)"])
            #expect(gone.status == 0, "\(gone.stderr)")
            #expect(gone.stdout.contains("cannot be attested: cannot read /proc/\(sleeper.processIdentifier)/status"), "\(gone.stdout)")
            #expect(gone.stdout.contains("No identity: the process could not be attested."))
            let neither = try await AgentAdminEndToEndTests.admin(admin, ["debug", "explain"])
            #expect(neither.status != 0 && neither.stderr.contains("-pid N"), "\(neither.stderr)")

            // The server's view: one agent's entries against a selector set, and every entry sharing a selector.
            let server = try await fixture.server.cli(["debug", "explain", "-selector", "unix:uid:\(me)", "-selector", "unix:gid:0", "-agentID", fixture.agentID])
            #expect(server.status == 0, "\(server.stderr)")
            #expect(server.stdout.contains("Agent \(fixture.agentID): node selectors"), "\(server.stdout)")
            #expect(server.stdout.contains("MATCH    spiffe://example.org/mine"), "\(server.stdout)")
            #expect(server.stdout.contains("lacks:     unix:gid:12345"), "\(server.stdout)")
            let shared = try await fixture.server.cli(["debug", "explain", "-selector", "unix:gid:12345", "-output", "json"])
            let sharedObject = try #require(try JSONSerialization.jsonObject(with: Data(shared.stdout.utf8)) as? [String: Any], "\(shared.stdout) \(shared.stderr)")
            #expect((sharedObject["entries"] as? [[String: Any]])?.map { $0["entry_id"] as? String } == [strict], "\(sharedObject)")
            let unknownAgent = try await fixture.server.cli(["debug", "explain", "-selector", "unix:uid:1", "-agentID", "spiffe://example.org/spire/agent/x/none"])
            #expect(unknownAgent.stdout.contains("not attested to this server"), "\(unknownAgent.stdout)")
            #expect(unknownAgent.stdout.contains("No identity: no entry could apply (none is authorized for this agent)."), "\(unknownAgent.stdout)")
            let bad = try await fixture.server.cli(["debug", "explain", "-selector", "uid"])
            #expect(bad.status != 0 && bad.stderr.contains("uid"), "\(bad.stderr)")
        }
    }
}
