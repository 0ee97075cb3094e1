import Foundation
import SteepleTestSupport
import Testing

/// `x509_svid_cache_max_size` on a real agent: with more authorized entries than the limit, every workload still
/// gets its own SVID (issued when it asks), and the agent's cache stays at the limit as entries grow.
@Suite("Bounded agent cache end to end", .serialized)
struct BoundedCacheEndToEndTests {
    static let limit = 3
    static let firstUID: UInt32 = 6001

    /// The agent's `cached_x509_svids_count`, from SPIRE's Debug API through `steeple-agent debug getinfo -output json`.
    static func cachedCount(_ admin: String) async throws -> Int {
        let output = try await AgentAdminEndToEndTests.admin(admin, ["debug", "getinfo", "-output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout) \(output.stderr)")
        return try #require(object["cached_x509_svids_count"] as? Int, "\(object)")
    }

    @Test("8 entries, a limit of 3: each workload (its own uid) gets its own SVID on demand; the cache holds 3; 10 more entries leave it at 3")
    func boundedCache() async throws {
        try #require(getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "workloads run as other uids through setpriv: this test needs root")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-admin-\(UUID().uuidString.prefix(8))").path
        let admin = directory + "/admin.sock"
        let fixture = try TrustDomainFixture(agentLines: ["admin_socket_path = \"\(admin)\"", "x509_svid_cache_max_size = \(Self.limit)"])
        try await TrustDomainFixture.with(fixture) { fixture in
            for n in 0..<8 {
                try await fixture.createEntry(spiffeID: "spiffe://example.org/w\(n)", selectors: ["unix:uid:\(Self.firstUID + UInt32(n))"])
            }
            // The prefetch fills the cache to the limit and stops there.
            let prefetched = try await retrying(for: .seconds(10), until: { $0 == Self.limit }) { try await Self.cachedCount(admin) }
            #expect(prefetched == Self.limit)

            for n in 0..<8 {
                let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"], asUser: Self.firstUID + UInt32(n)) }
                #expect(fetched.stdout.contains("SPIFFE ID:\t\tspiffe://example.org/w\(n)\n"), "uid \(Self.firstUID + UInt32(n)) got \(fetched.stdout)")
                #expect(try await Self.cachedCount(admin) <= Self.limit, "the cache stays at the limit once the workload's stream closed")
            }

            for n in 8..<18 {
                try await fixture.createEntry(spiffeID: "spiffe://example.org/w\(n)", selectors: ["unix:uid:\(Self.firstUID + UInt32(n))"])
            }
            // The last entry synced once its workload gets its SVID; the cache is back at the limit once it hung up.
            let late = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"], asUser: Self.firstUID + 17) }
            #expect(late.stdout.contains("spiffe://example.org/w17"), "\(late.stdout)")
            #expect(try await Self.cachedCount(admin) == Self.limit, "more entries do not grow the cache")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
