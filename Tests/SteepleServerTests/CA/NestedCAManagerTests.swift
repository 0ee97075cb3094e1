import Foundation
import Logging
import SPIFFE
import SPIFFECA
@testable import SteepleServer
import SteepleDatastore
import Synchronization
import Testing
import X509

/// The CA manager of a server with an upstream that takes JWT keys (nested servers), against an upstream made in the
/// test: keys are published upstream before use, the upstream bundle joins the published one, and a key a server
/// further down publishes here is forwarded up.
@Suite("CAManager under an upstream server")
struct NestedCAManagerTests {
    /// An upstream server in the test: signs CAs with its own root, keeps the JWT keys published to it.
    final class Upstream: UpstreamAuthority {
        let root: X509Authority
        let published = Mutex<[String: Certificate.PublicKey]>([:])
        let refuses: Bool

        init(now: Date, refuses: Bool = false) throws {
            root = try X509Authority.selfSigned(
                trustDomain: try TrustDomain("example.org"), privateKey: CAKeyType.ecP256.generate(), subject: ServerConfiguration.defaultCASubject,
                ttl: .seconds(7 * 86400), now: now)
            self.refuses = refuses
        }

        func mintX509CA(trustDomain: TrustDomain, privateKey: Certificate.PrivateKey, subject _: DistinguishedName, ttl: Duration, now: Date) async throws -> X509Authority {
            let chain = try CertificateAuthority(trustDomain: trustDomain, x509Authority: root).signDownstreamX509CA(publicKey: privateKey.publicKey, ttl: ttl, now: now)
            return X509Authority(certificate: chain[0], privateKey: privateKey, upstreamChain: chain, roots: [root.certificate])
        }

        func publishJWTKey(keyID: String, publicKey: Certificate.PublicKey, notAfter _: Date) async throws -> [String: Certificate.PublicKey]? {
            if refuses { throw CAError(.upstreamAuthority, "the upstream server refused PublishJWTAuthority") }
            return published.withLock { keys in
                keys[keyID] = publicKey
                return keys
            }
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_900_000_000)

    static func settings(_ upstream: Upstream) throws -> CAManager.Settings {
        var settings = try CAManagerTests.settings()
        settings.upstream = upstream
        return settings
    }

    @Test("the JWT key is published upstream before use; the bundle is the upstream's roots, plus its JWT keys once read; a downstream's key is forwarded up")
    func publishesAndFollows() async throws {
        let upstream = try Upstream(now: Self.t0)
        let ca = try await CAManager.start(settings: try Self.settings(upstream), keyManager: InMemoryKeyManager(), store: InMemoryDatastore(), logger: Logger(label: "test"), now: Self.t0)
        let kid = ca.state.withLock { $0.jwt.active.kid }
        #expect(upstream.published.withLock { $0[kid] } == ca.jwtSigningAuthority.key.publicKey, "the active JWT key was published upstream")
        #expect(ca.bundle.x509Authorities == [upstream.root.certificate], "the downstream publishes the upstream root, not its intermediate")

        // Another server of the trust domain publishes a key upstream; the poller brings it here.
        let otherKey = CAKeyType.ecP256.generate().publicKey
        upstream.published.withLock { $0["other-cluster"] = otherKey }
        let before = ca.bundle.sequenceNumber ?? 0
        let changed = try await ca.applyUpstreamBundle(UpstreamBundle(roots: [upstream.root.certificate], jwtKeys: upstream.published.withLock { $0 }))
        #expect(changed && ca.bundle.jwtAuthorities["other-cluster"] == otherKey && (ca.bundle.sequenceNumber ?? 0) == before + 1)
        #expect(try await ca.applyUpstreamBundle(UpstreamBundle(roots: [upstream.root.certificate], jwtKeys: upstream.published.withLock { $0 })) == false, "the same bundle again changes nothing")

        // A server below this one publishes here: the key goes up first, then into this bundle.
        let belowKey = CAKeyType.ecP256.generate().publicKey
        let answer = try await ca.publishDownstreamJWTKey(keyID: "below", key: AppendedAuthorities.JWTKey(publicKey: belowKey, expiresAt: Self.t0 + 600))
        #expect(upstream.published.withLock { $0["below"] } == belowKey, "forwarded to the upstream")
        #expect(ca.bundle.jwtAuthorities["below"] == belowKey && answer["below"] == belowKey && answer["other-cluster"] == otherKey)
    }

    @Test("an upstream that refuses the JWT key stops the start, naming why")
    func refusedKeyStopsStart() async throws {
        let upstream = try Upstream(now: Self.t0, refuses: true)
        await #expect {
            _ = try await CAManager.start(settings: try Self.settings(upstream), keyManager: InMemoryKeyManager(), store: InMemoryDatastore(), logger: Logger(label: "test"), now: Self.t0)
        } throws: { error in
            "\(error)".contains("refused PublishJWTAuthority")
        }
    }

    @Test("revoking a JWT key the upstream bundle still holds is refused, naming where to revoke it; a key the upstream dropped is revoked")
    func revokeFollowsUpstream() async throws {
        let upstream = try Upstream(now: Self.t0)
        let ca = try await CAManager.start(settings: try Self.settings(upstream), keyManager: InMemoryKeyManager(), store: InMemoryDatastore(), logger: Logger(label: "test"), now: Self.t0)
        let old = ca.state.withLock { $0.jwt.active.kid }
        let next = try await ca.prepareJWTAuthority().id
        _ = try await ca.activateJWTAuthority(id: next)
        _ = try await ca.taintJWTAuthority(id: old)
        _ = try await ca.applyUpstreamBundle(UpstreamBundle(roots: [upstream.root.certificate], jwtKeys: upstream.published.withLock { $0 }))
        await #expect {
            _ = try await ca.revokeJWTAuthority(id: old)
        } throws: { error in
            guard let refusal = error as? LocalAuthorityRefusal else { return false }
            return refusal.code == .failedPrecondition && refusal.message.contains("revoke it on the upstream server")
        }
        #expect(ca.bundle.jwtAuthorities[old] != nil, "still published, and the refusal says so")
        // Once the upstream no longer holds it (revoked there), the revoke here takes.
        upstream.published.withLock { _ = $0.removeValue(forKey: old) }
        _ = try await ca.applyUpstreamBundle(UpstreamBundle(roots: [upstream.root.certificate], jwtKeys: upstream.published.withLock { $0 }))
        _ = try await ca.revokeJWTAuthority(id: old)
        #expect(ca.bundle.jwtAuthorities[old] == nil)
    }
}
