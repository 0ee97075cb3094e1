import Foundation
import SPIFFE
@testable import SteepleAgent
import SteepleServerAPIProto
import SteepleSupport
import Testing

@Suite("workload cache")
struct WorkloadCacheTests {
    func entry(_ id: String, _ path: String, _ selectors: [String], createdAt: Int64 = 1) throws -> AgentEntry {
        var proto = Steeple_Server_V1_Entry()
        proto.id = id
        proto.spiffeID = "spiffe://example.org" + path
        proto.parentID = "spiffe://example.org/spire/agent/x"
        proto.createdAt = createdAt
        proto.selectors = selectors.map { text in
            var selector = Steeple_Server_V1_Selector()
            let parts = text.split(separator: ":", maxSplits: 1)
            selector.type = String(parts[0])
            selector.value = String(parts[1])
            return selector
        }
        return try AgentEntry(proto: proto)
    }

    @Test("an entry matches when its selectors are a subset of the caller's; several matches, oldest first")
    func subset() throws {
        let cache = WorkloadCache(trustDomain: try TrustDomain("example.org"))
        cache.replaceEntries([
            try entry("a", "/a", ["unix:uid:1000"], createdAt: 5),
            try entry("b", "/b", ["unix:uid:1000", "unix:gid:50"], createdAt: 2),
            try entry("c", "/c", ["unix:uid:1000", "unix:gid:51"]),
            try entry("d", "/d", ["unix:uid:2000"]),
        ])
        #expect(cache.matchingEntries(for: ["unix:uid:1000", "unix:gid:50"]).map(\.id) == ["b", "a"])
        #expect(cache.matchingEntries(for: ["unix:uid:1000"]).map(\.id) == ["a"])
        #expect(cache.matchingEntries(for: ["unix:gid:50"]).isEmpty)
        cache.apply(upserted: [try entry("a", "/a", ["unix:uid:3000"])], deleted: ["b"])
        #expect(cache.matchingEntries(for: ["unix:uid:1000", "unix:gid:50"]).isEmpty)
        #expect(cache.matchingEntries(for: ["unix:uid:3000"]).map(\.id) == ["a"])
    }

    @Test("changes wake a subscriber once per burst; close ends its wait")
    func wakeups() async throws {
        let cache = WorkloadCache(trustDomain: try TrustDomain("example.org"))
        let signal = cache.changes.subscribe()
        cache.apply(upserted: [try entry("a", "/a", ["unix:uid:1"])], deleted: [])
        cache.apply(upserted: [try entry("b", "/b", ["unix:uid:1"])], deleted: [])
        #expect(await signal.wait(timeout: .seconds(5)))
        let waiter = Task { await signal.wait() }
        try await Task.sleep(for: .milliseconds(20))
        cache.changes.unsubscribe(signal)
        #expect(await waiter.value == false)
        #expect(cache.changes.subscriberCount == 0)
    }

    @Test("rotation time is half the lifetime, jittered within ±10 % of the half")
    func rotation() {
        let start = Date(timeIntervalSince1970: 1000)
        let end = start + 3600
        #expect(IssuedX509SVID.rotationTime(notBefore: start, notAfter: end, jitter: 0) == start + 1800)
        for _ in 0..<100 {
            let time = IssuedX509SVID.rotationTime(notBefore: start, notAfter: end)
            #expect(time >= start + 1620 && time <= start + 1980)
        }
    }
}
