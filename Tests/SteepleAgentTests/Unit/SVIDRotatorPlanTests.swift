import Foundation
import Logging
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent
import SteepleServerAPIProto
import Testing
import X509

@Suite("SVID rotator plan")
struct SVIDRotatorPlanTests {
    let trustDomain = try! TrustDomain("example.org")

    func setUp() throws -> (WorkloadCache, TestCA, AgentEntry) {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain)
        cache.setBundles(try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [ca.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain)), federated: [])
        var proto = Steeple_Server_V1_Entry()
        proto.id = "web"
        proto.spiffeID = "spiffe://example.org/web"
        var selector = Steeple_Server_V1_Selector()
        (selector.type, selector.value) = ("unix", "uid:1000")
        proto.selectors = [selector]
        let entry = try AgentEntry(proto: proto)
        cache.replaceEntries([entry])
        cache.store([IssuedX509SVID(entryID: entry.id, svid: ca.makeSVID(entry.spiffeID), shape: entry.x509Shape, rotateAt: Date() + 3600)])
        return (cache, ca, entry)
    }

    func rotator(_ cache: WorkloadCache) -> SVIDRotator {
        let health = try! AgentHealth.fixture(ca: TestCA(trustDomain: trustDomain), changes: cache.changes)
        return SVIDRotator(cache: cache, session: ServerSession(), health: health, logger: Logger(label: "test"))
    }

    @Test("an SVID of the active authority is kept until its rotation time, which is the next deadline")
    func kept() throws {
        let (cache, ca, _) = try setUp()
        let activeKeyID = Array(try #require(try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier))
        cache.setBundles(nil, federated: nil, activeX509KeyID: activeKeyID)
        let (stale, missing, next) = rotator(cache).plan(now: Date())
        #expect(stale.isEmpty)
        #expect(missing == 0)
        #expect(next != nil)
    }

    @Test("when the server activates another authority, every SVID of the previous one is due at once")
    func caActivation() throws {
        let (cache, _, entry) = try setUp()
        cache.setBundles(nil, federated: nil, activeX509KeyID: [1, 2, 3, 4])
        #expect(rotator(cache).plan(now: Date()).stale.map(\.id) == [entry.id])
    }

    @Test("a changed entry, a due SVID and an issuer gone from the bundle are all stale")
    func stale() throws {
        let (cache, _, entry) = try setUp()
        #expect(rotator(cache).plan(now: Date() + 7200).stale.map(\.id) == [entry.id])
        let other = TestCA(trustDomain: trustDomain)
        cache.setBundles(try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [other.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain)), federated: nil)
        #expect(rotator(cache).plan(now: Date()).stale.map(\.id) == [entry.id])
    }

    @Test("an SVID past its notAfter is stale and counts as missing (the watchdog's measure); a merely due one does not")
    func expiredIsMissing() throws {
        let (cache, ca, entry) = try setUp()
        cache.store([IssuedX509SVID(entryID: entry.id, svid: ca.makeSVID(entry.spiffeID), shape: entry.x509Shape, rotateAt: Date() + 1800)])
        let due = rotator(cache).plan(now: Date() + 3000)
        #expect(due.stale.map(\.id) == [entry.id])
        #expect(due.missing == 0)
        let expired = rotator(cache).plan(now: Date() + 7200)
        #expect(expired.stale.map(\.id) == [entry.id])
        #expect(expired.missing == 1)
    }

    @Test("an entry the server refused is left alone until its retry time, which is the next deadline; a change of it clears the refusal")
    func refused() throws {
        let (cache, _, entry) = try setUp()
        let now = Date() + 7200
        let retry = now + 30
        cache.refuse([entry.id: "not authorized"], until: retry)
        let planned = rotator(cache).plan(now: now)
        #expect(planned.stale.isEmpty)
        #expect(planned.next == retry)
        #expect(rotator(cache).plan(now: retry + 1).stale.map(\.id) == [entry.id])
        cache.apply(upserted: [entry], deleted: [])
        #expect(rotator(cache).plan(now: now).stale.map(\.id) == [entry.id])
    }

    @Test("-disableX509SVIDPrefetch: no SVID is planned until a workload asks for one, then it is issued and rotated as any other; a new snapshot without the entry forgets the demand")
    func onDemand() throws {
        let cache = WorkloadCache(trustDomain: trustDomain)
        let ca = TestCA(trustDomain: trustDomain)
        cache.setBundles(try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [ca.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain)), federated: [])
        var proto = Steeple_Server_V1_Entry()
        proto.id = "lazy"
        proto.spiffeID = "spiffe://example.org/lazy"
        proto.disableX509SvidPrefetch = true
        let lazy = try AgentEntry(proto: proto)
        proto.id = "eager"
        proto.spiffeID = "spiffe://example.org/eager"
        proto.disableX509SvidPrefetch = false
        let eager = try AgentEntry(proto: proto)
        cache.replaceEntries([lazy, eager])
        #expect(rotator(cache).plan(now: Date()).stale.map(\.id) == ["eager"])
        cache.demandX509SVIDs(of: [lazy, eager])
        #expect(rotator(cache).plan(now: Date()).stale.map(\.id).sorted() == ["eager", "lazy"])
        cache.store([IssuedX509SVID(entryID: lazy.id, svid: ca.makeSVID(lazy.spiffeID), shape: lazy.x509Shape, rotateAt: Date() + 3600)])
        #expect(rotator(cache).plan(now: Date() + 7200).stale.map(\.id).sorted() == ["eager", "lazy"], "a demanded SVID is rotated")
        cache.replaceEntries([eager])
        cache.replaceEntries([lazy, eager])
        #expect(rotator(cache).plan(now: Date()).stale.map(\.id) == ["eager"], "the demand went with the entry")
    }
}
