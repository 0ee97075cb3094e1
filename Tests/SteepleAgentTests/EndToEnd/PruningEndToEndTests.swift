import Foundation
import SteepleTestSupport
import Testing

/// Expired records leave without anyone asking: an entry created with `-entryExpiry` is deleted when it expires, and
/// the workload behind the agent loses that identity at once.
@Suite("Pruning end to end", .serialized)
struct PruningEndToEndTests {
    @Test("an entry past -entryExpiry is pruned at its expiry: gone from entry show and from the workload; the figure is printed")
    func expiredEntry() async throws {
        let fixture = try TrustDomainFixture(serverLines: [#"prune_attested_nodes_expired_for = "24h""#, "prune_tofu_nodes = true"])
        try await TrustDomainFixture.with(fixture) { fixture in
            let uid = getuid()
            try await fixture.createEntry(spiffeID: "spiffe://example.org/steady", selectors: ["unix:uid:\(uid)"])
            let expiry = Int(Date().timeIntervalSince1970) + 4
            try await fixture.createEntry(spiffeID: "spiffe://example.org/brief", selectors: ["unix:uid:\(uid)"], extra: ["-entryExpiry", "\(expiry)"])
            let both = try await retrying(for: .seconds(10), until: { $0.stdout.contains("spiffe://example.org/brief") }) {
                try await fixture.agent.cli(["api", "fetch", "x509"])
            }
            #expect(both.stdout.contains("spiffe://example.org/brief") && both.stdout.contains("spiffe://example.org/steady"), "\(both.stdout)")

            let pruned = try await retrying(for: .seconds(15), until: { !$0.stdout.contains("spiffe://example.org/brief") && $0.status == 0 }) {
                try await fixture.agent.cli(["api", "fetch", "x509"])
            }
            let gone = Date().timeIntervalSince1970 - Double(expiry)
            print("pruning: entry expired at \(expiry) -> gone from the workload's fetch \(String(format: "%.2f", gone)) s later (polling with `api fetch x509`)")
            #expect(!pruned.stdout.contains("spiffe://example.org/brief"), "the expired entry's SVID is still served: \(pruned.stdout)")
            #expect(pruned.stdout.contains("spiffe://example.org/steady"))
            let shown = try await fixture.server.cli(["entry", "show"])
            #expect(!shown.stdout.contains("spiffe://example.org/brief") && shown.stdout.contains("spiffe://example.org/steady"), "\(shown.stdout)")
            let log = (try? String(contentsOfFile: fixture.server.log, encoding: .utf8)) ?? ""
            #expect(log.contains("pruned expired registration entries"), "\(log.suffix(2000))")
        }
    }
}
