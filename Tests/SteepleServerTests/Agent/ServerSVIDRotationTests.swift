import Logging
import SPIFFE
import SPIFFECA
@testable import SteepleServer
import SteepleDatastore
import Synchronization
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's own SVID on the agent API: renewed at half its life, and at once when the CA activates another
/// authority, so agents that only trust the new bundle can still verify the server.
@Suite("Server SVID rotation")
struct ServerSVIDRotationTests {
    /// Counts server SVIDs issued through it.
    final class CountingIssuer: SVIDIssuer {
        let base: any SVIDIssuer
        let serverSVIDs = Atomic<Int>(0)
        init(_ base: any SVIDIssuer) { self.base = base }
        func issueAgentSVID(_ request: AgentSVIDRequest) throws(CAError) -> IssuedX509SVID { try base.issueAgentSVID(request) }
        func issueServerSVID(_ request: ServerSVIDRequest) throws(CAError) -> IssuedX509SVID {
            serverSVIDs.add(1, ordering: .relaxed)
            return try base.issueServerSVID(request)
        }
        func issueWorkloadX509SVID(_ request: WorkloadX509SVIDRequest) throws(CAError) -> IssuedX509SVID { try base.issueWorkloadX509SVID(request) }
        func issueWorkloadJWTSVID(_ request: WorkloadJWTSVIDRequest) throws(CAError) -> JWTSVID { try base.issueWorkloadJWTSVID(request) }
        func mintX509SVID(_ request: MintX509SVIDRequest) throws(CAError) -> MintedX509SVID { try base.mintX509SVID(request) }
        func signDownstreamX509CA(_ request: DownstreamX509CARequest) throws(CAError) -> [Certificate] { try base.signDownstreamX509CA(request) }
    }

    static func issuer() async throws -> CountingIssuer {
        var configuration = ServerConfiguration(trustDomain: try TrustDomain("example.org"))
        configuration.keyManager = .memory
        let core = try await ServerCore.make(configuration: configuration, store: InMemoryDatastore(), keyManager: InMemoryKeyManager(), logger: Logger(label: "test"), now: { Date() })
        return CountingIssuer(core.issuer)
    }

    static func halfLife(of svid: X509SVID) -> Date {
        svid.leaf.notValidBefore.addingTimeInterval(svid.expiresAt.timeIntervalSince(svid.leaf.notValidBefore) / 2)
    }

    /// Runs the rotation service until `done` holds (or 60 s pass: a loaded CI run can starve the cooperative pool for seconds), then stops it.
    static func run(_ service: ServerSVIDRotationService, until done: @escaping () -> Bool) async throws {
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(60)
        while !done(), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs the rotation service for `duration`, then stops it.
    static func run(_ service: ServerSVIDRotationService, for duration: Duration) async throws {
        let task = Task { try await service.run() }
        defer { task.cancel() }
        try await Task.sleep(for: duration)
    }

    @Test("renews at half its life: a new certificate for a new key, issued by the same authority")
    func renewsAtHalfLife() async throws {
        let issuer = try await Self.issuer()
        let source = try ServerSVIDSource(issuer: issuer, logger: Logger(label: "test"))
        let first = source.svid
        let clock = Mutex(Self.halfLife(of: first).addingTimeInterval(-0.1))
        let service = ServerSVIDRotationService(
            source: source, activeAuthority: { first.leaf.issuer }, now: { clock.withLock { $0 } }, logger: Logger(label: "test")
        )
        // Before half-life nothing is renewed, though the service looks every 0.1 s.
        try await Self.run(service, for: .milliseconds(500))
        #expect(issuer.serverSVIDs.load(ordering: .relaxed) == 1)

        clock.withLock { $0 = Self.halfLife(of: first).addingTimeInterval(0.01) }
        // Waits for the source to hold the new SVID, not for the issuer's count: the count goes up when the issuer
        // signs, a moment before the source swaps the SVID in.
        try await Self.run(service, until: { source.svid.leaf.serialNumber != first.leaf.serialNumber })
        #expect(issuer.serverSVIDs.load(ordering: .relaxed) >= 2)
        #expect(source.svid.leaf.serialNumber != first.leaf.serialNumber)
        #expect(source.svid.privateKeyDER != first.privateKeyDER)
        #expect(source.svid.leaf.issuer == first.leaf.issuer)
        #expect(source.svid.id.string == "spiffe://example.org/spire/server")
    }

    @Test("renews as soon as the CA's active authority is no longer the SVID's issuer, long before half-life")
    func renewsOnAuthorityChange() async throws {
        let issuer = try await Self.issuer()
        let source = try ServerSVIDSource(issuer: issuer, logger: Logger(label: "test"))
        let first = source.svid
        let other = try DistinguishedName { CommonName("another authority") }
        let active = Mutex(first.leaf.issuer)
        // A clock well before half-life, close enough that the service looks again within a second.
        let now = Self.halfLife(of: first).addingTimeInterval(-0.5)
        let service = ServerSVIDRotationService(
            source: source, activeAuthority: { active.withLock { $0 } }, now: { now }, logger: Logger(label: "test")
        )
        active.withLock { $0 = other }
        // Wait for the source to hold the new SVID, not for the issuer's count: the count rises before the source
        // stores what was issued (a loaded CI run checked in between).
        try await Self.run(service, until: { source.svid.leaf.serialNumber != first.leaf.serialNumber })
        #expect(issuer.serverSVIDs.load(ordering: .relaxed) >= 2)
        #expect(source.svid.leaf.serialNumber != first.leaf.serialNumber)
    }
}
