import Foundation
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent
import SteepleTelemetry
import Testing
import X509

/// What the agent's health listener says in each state: starting, serving before and after its first sync, disowned,
/// its own SVID expired, shutting down.
@Suite("agent health reporter")
struct AgentHealthReporterTests {
    let trustDomain = try! TrustDomain("example.org")

    func synced(_ cache: WorkloadCache, ca: TestCA) throws {
        cache.setBundles(try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [ca.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain)), federated: [])
        cache.replaceEntries([])
    }

    @Test("starting: live, not ready, and says it has no SVID yet")
    func starting() {
        let reporter = AgentHealthReporter()
        #expect(reporter.liveness() == HealthState(healthy: true))
        let ready = reporter.readiness()
        #expect(!ready.healthy)
        #expect(ready.details.map(\.name) == ["agent", "sync"])
        #expect(ready.details[0].status.hasPrefix("the agent has no SVID yet"))
    }

    @Test("serving: not ready until the first sync (naming the link), ready after it, and still ready when the server is lost")
    func sync() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain)
        let health = try AgentHealth.fixture(ca: ca, changes: cache.changes, link: .starting)
        let reporter = AgentHealthReporter()
        reporter.running(health: health, cache: cache)
        health.linkChanged(.disconnected(since: Date(), error: "connection refused"))
        let before = reporter.readiness()
        #expect(!before.healthy)
        #expect(before.details == [
            .init("agent", "ok"),
            .init("sync", "the agent has not received its entries from the server yet (\(health.linkDescription))"),
        ])
        #expect(before.details[1].status.contains("connection refused"))
        #expect(reporter.liveness().healthy)

        health.linkChanged(.connected)
        try synced(cache, ca: ca)
        #expect(reporter.readiness() == HealthState(healthy: true, details: [.init("agent", "ok"), .init("sync", "ok")]))
        health.linkChanged(.disconnected(since: Date(), error: "connection refused"))
        #expect(reporter.readiness().healthy, "a lost server does not make a synced agent unready")
    }

    @Test("banned: live but not ready, with the reason and what to do")
    func banned() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain)
        let health = try AgentHealth.fixture(ca: ca, changes: cache.changes)
        let reporter = AgentHealthReporter()
        reporter.running(health: health, cache: cache)
        try synced(cache, ca: ca)
        #expect(reporter.readiness().healthy)
        health.disown(.banned("agent is banned"))
        cache.revokeAll()
        let ready = reporter.readiness()
        #expect(!ready.healthy)
        #expect(ready.details[0].status == AgentHealth.Disowned.banned("agent is banned").reason)
        #expect(reporter.liveness().healthy)
    }

    @Test("its own SVID expired: not ready, saying when")
    func expired() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain)
        let health = try AgentHealth.fixture(ca: ca, changes: cache.changes, ownSVIDExpiresAt: Date() - 60)
        let reporter = AgentHealthReporter()
        reporter.running(health: health, cache: cache)
        try synced(cache, ca: ca)
        let ready = reporter.readiness()
        #expect(!ready.healthy)
        #expect(ready.details[0].status.hasPrefix("the agent's own SVID expired at"))
    }

    @Test("shutting down: neither live nor ready")
    func stopping() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let cache = WorkloadCache(trustDomain: trustDomain)
        let reporter = AgentHealthReporter()
        reporter.running(health: try AgentHealth.fixture(ca: ca, changes: cache.changes), cache: cache)
        try synced(cache, ca: ca)
        reporter.stopping()
        #expect(reporter.liveness() == HealthState(healthy: false, details: [.init("agent", "the agent is shutting down")]))
        #expect(!reporter.readiness().healthy)
    }
}
