import Foundation
import Logging
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent
import SteepleServerAPIProto
import Testing
import X509

/// `x509_svid_cache_max_size`: the agent keeps at most that many workload X509-SVIDs, prefetching only what fits,
/// issuing the rest when a workload asks, and evicting the least recently used that no open stream holds.
@Suite("Bounded X509-SVID cache")
struct BoundedCacheTests {
    let trustDomain = try! TrustDomain("example.org")

    func entry(_ n: Int) throws -> AgentEntry {
        var proto = Steeple_Server_V1_Entry()
        proto.id = "entry-\(n)"
        proto.spiffeID = "spiffe://example.org/w\(n)"
        var selector = Steeple_Server_V1_Selector()
        (selector.type, selector.value) = ("unix", "uid:\(5000 + n)")
        proto.selectors = [selector]
        return try AgentEntry(proto: proto)
    }

    func setUp(limit: Int, entries count: Int) throws -> (WorkloadCache, TestCA, [AgentEntry], SVIDRotator) {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain, x509SVIDLimit: limit)
        cache.setBundles(try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [ca.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain)), federated: [])
        let entries = try (0..<count).map(entry)
        cache.replaceEntries(entries)
        let health = try AgentHealth.fixture(ca: ca, changes: cache.changes)
        return (cache, ca, entries, SVIDRotator(cache: cache, session: ServerSession(), health: health, logger: Logger(label: "test")))
    }

    /// What the rotator would issue now, issued (as the server would sign them).
    func issuePlanned(_ cache: WorkloadCache, _ ca: TestCA, _ rotator: SVIDRotator) -> [String] {
        let stale = rotator.plan(now: Date()).stale
        cache.store(stale.map { IssuedX509SVID(entryID: $0.id, svid: ca.makeSVID($0.spiffeID), shape: $0.x509Shape, rotateAt: Date() + 1800) })
        return stale.map(\.id)
    }

    @Test("with more entries than the limit, only the limit is prefetched; a workload's ask is issued and the least recently used unheld SVID evicted")
    func prefetchAndEvict() throws {
        let (cache, ca, entries, rotator) = try setUp(limit: 3, entries: 10)
        #expect(issuePlanned(cache, ca, rotator).count == 3, "prefetch fills the cache up to the limit")
        #expect(cache.read { $0.svids.count } == 3)
        #expect(rotator.plan(now: Date()).stale.isEmpty, "nothing more is prefetched")

        let cached = cache.read { Set($0.svids.keys) }
        let uncached = try #require(entries.first { !cached.contains($0.id) })
        // Two cached SVIDs are served (the third one is now the least recently used), then a workload asks for an
        // uncached entry, holding its stream open.
        let served = cached.sorted()
        cache.demandX509SVIDs(of: entries.filter { $0.id == served[1] || $0.id == served[2] })
        let hold = cache.hold(Set(uncached.selectors))
        cache.demandX509SVIDs(of: [uncached])
        #expect(issuePlanned(cache, ca, rotator) == [uncached.id], "the asked-for entry is issued on demand")
        let after = cache.read { Set($0.svids.keys) }
        #expect(after.count == 3 && after.contains(uncached.id) && !after.contains(served[0]), "the least recently used one went: \(after.sorted())")
        #expect(cache.read { $0.evictions } == 1)
        #expect(rotator.plan(now: Date()).stale.isEmpty, "the evicted one is not issued again by itself")

        // A held SVID is never evicted, even past the limit (soft limit): everyone else asks meanwhile.
        for other in entries where other.id != uncached.id {
            cache.demandX509SVIDs(of: [other])
            _ = issuePlanned(cache, ca, rotator)
            #expect(cache.read { $0.svids[uncached.id] } != nil, "held by an open stream")
            #expect(cache.read { $0.svids.count } <= 3)
        }
        cache.release(hold)
        #expect(cache.read { $0.svids.count } == 3)
    }

    @Test("holds keep the limit soft: more held entries than the limit all stay, and the cache shrinks back when they are released")
    func softLimit() throws {
        let (cache, ca, entries, rotator) = try setUp(limit: 2, entries: 6)
        _ = issuePlanned(cache, ca, rotator)
        let holds = entries.prefix(4).map { cache.hold(Set($0.selectors)) }
        cache.demandX509SVIDs(of: Array(entries.prefix(4)))
        _ = issuePlanned(cache, ca, rotator)
        #expect(cache.read { $0.svids.count } == 4, "four open streams hold four SVIDs")
        for hold in holds { cache.release(hold) }
        #expect(cache.read { $0.svids.count } == 2)
    }

    @Test("with no more entries than the limit every entry is prefetched as before, and asks evict nothing")
    func atTheLimit() throws {
        let (cache, ca, entries, rotator) = try setUp(limit: 10, entries: 10)
        #expect(issuePlanned(cache, ca, rotator).count == 10)
        cache.demandX509SVIDs(of: entries)
        #expect(issuePlanned(cache, ca, rotator).isEmpty)
        #expect(cache.read { $0.svids.count } == 10 && cache.read { $0.evictions } == 0)
    }

    @Test("a waiter without a stream (SDS FetchSecrets) holds what it waits for: beyond a soft limit full of held SVIDs it is not evicted at once")
    func heldWhileWaiting() throws {
        let (cache, ca, entries, rotator) = try setUp(limit: 1, entries: 3)
        let streams = entries.prefix(2).map { cache.hold(Set($0.selectors)) }
        cache.demandX509SVIDs(of: Array(entries.prefix(2)))
        _ = issuePlanned(cache, ca, rotator)
        let waiter = cache.hold(Set(entries[2].selectors))
        cache.demandX509SVIDs(of: [entries[2]])
        #expect(issuePlanned(cache, ca, rotator) == [entries[2].id])
        #expect(cache.read { $0.svids[entries[2].id] } != nil, "the waiter's SVID stays while it waits")
        #expect(rotator.plan(now: Date()).stale.isEmpty, "no issue-evict loop")
        cache.release(waiter)
        for stream in streams { cache.release(stream) }
        #expect(cache.read { $0.svids.count } == 1)
    }
}
