import Crypto
import GRPCCore
import Logging
import SPIFFE
import SPIFFECA
@testable import SteepleServer
import SteepleDatastore
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent API's caller authentication: in full once, then from the cache, which must never accept what the full
/// check would refuse (a forged certificate, a banned or evicted agent, a bundle that no longer vouches).
@Suite("Agent API authentication and its cache")
struct AgentAuthenticationTests {
    struct Fixture {
        let core: ServerCore
        let store: InMemoryDatastore
        let cache: AgentAuthenticationCache
        let authenticator: AgentAuthenticator
        let agentID: SPIFFEID
        let chain: [Certificate]
    }

    static func fixture() async throws -> Fixture {
        let store = InMemoryDatastore()
        var configuration = ServerConfiguration(trustDomain: try TrustDomain("example.org"))
        configuration.keyManager = .memory
        let core = try await ServerCore.make(configuration: configuration, store: store, keyManager: InMemoryKeyManager(), logger: Logger(label: "test"), now: { Date() })
        let agentID = try SPIFFEID("spiffe://example.org/spire/agent/join_token/t")
        let svid = try core.issuer.issueAgentSVID(AgentSVIDRequest(agentID: agentID, csr: try csr()))
        _ = try await store.createNode(AttestedNode(spiffeID: agentID, attestationType: "join_token", certSerialNumber: AgentAuthenticator.serialString(svid.leaf), certNotAfter: svid.expiresAt))
        return Fixture(core: core, store: store, cache: core.agentAuthentication, authenticator: core.agentAuthenticator(cache: core.agentAuthentication), agentID: agentID, chain: try svid.chain)
    }

    static func csr(_ key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("agent") }, privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    static func refusal(_ body: () async throws -> Void) async -> APIRefusal? {
        do {
            try await body()
            return nil
        } catch let error as APIRefusal {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("the first call is checked in full, later calls with the same certificate come from the cache")
    func hits() async throws {
        let f = try await Self.fixture()
        #expect(try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m").spiffeID == f.agentID)
        #expect(f.cache.misses == 1 && f.cache.hits == 0 && f.cache.count == 1)
        for _ in 0..<3 { _ = try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m") }
        #expect(f.cache.hits == 3)
    }

    @Test("a certificate copying the agent's serial, subject and SAN but signed by another key is never a cache hit")
    func forgedCertificateMisses() async throws {
        let f = try await Self.fixture()
        _ = try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m")
        let leaf = f.chain[0]
        let forgerKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let forged = try Certificate(
            version: .v3, serialNumber: leaf.serialNumber, publicKey: forgerKey.publicKey, notValidBefore: leaf.notValidBefore,
            notValidAfter: leaf.notValidAfter, issuer: leaf.issuer, subject: leaf.subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: leaf.extensions, issuerPrivateKey: forgerKey
        )
        let refused = await Self.refusal { _ = try await f.authenticator.authenticate(chain: [forged], peer: "p", method: "m") }
        #expect(refused?.reason == .agentSVIDRejected, "\(String(describing: refused))")
        #expect(f.cache.hits == 0)
    }

    @Test("a ban or an eviction seen in the change log drops the cached authentication: the next call is refused")
    func banAndEvictInvalidate() async throws {
        let f = try await Self.fixture()
        _ = try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m")
        // Another writer bans the agent (no handler of this server invalidates anything): the index follows the change log.
        let follower = Task { await f.core.index.follow() }
        defer { follower.cancel() }
        var node = try #require(try await f.store.fetchNode(spiffeID: f.agentID))
        node.banned = true
        _ = try await f.store.updateNode(node)
        f.core.index.poke()
        let deadline = ContinuousClock.now + .seconds(10)
        while f.cache.count > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let banned = await Self.refusal { _ = try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m") }
        #expect(banned?.reason == .agentBanned)

        _ = try await f.store.deleteNode(spiffeID: f.agentID)
        f.cache.invalidate(agentID: f.agentID)
        let evicted = await Self.refusal { _ = try await f.authenticator.authenticate(chain: f.chain, peer: "p", method: "m") }
        #expect(evicted?.reason == .agentNotAttested)
    }

    @Test("an entry made for another bundle sequence or past the leaf's expiry is not used")
    func staleEntriesMiss() async throws {
        let f = try await Self.fixture()
        let node = try #require(try await f.store.fetchNode(spiffeID: f.agentID))
        let cache = AgentAuthenticationCache()
        cache.remember(leaf: f.chain[0], node: node, bundleSequence: 7)
        #expect(cache.lookup(leaf: f.chain[0], bundleSequence: 8, now: Date()) == nil, "the bundle changed")
        cache.remember(leaf: f.chain[0], node: node, bundleSequence: 7)
        #expect(cache.lookup(leaf: f.chain[0], bundleSequence: 7, now: f.chain[0].notValidAfter) == nil, "the leaf expired")
        cache.remember(leaf: f.chain[0], node: node, bundleSequence: 7)
        #expect(cache.lookup(leaf: f.chain[0], bundleSequence: 7, now: Date()) != nil)
    }

    @Test("invalidating one agent drops only its leaves (several per agent), stale and capacity removals keep the per-agent index in step")
    func invalidationIsPerAgent() async throws {
        let f = try await Self.fixture()
        let cache = AgentAuthenticationCache(capacity: 100)
        var leaves: [SPIFFEID: [Certificate]] = [:]
        for name in ["a", "b", "c"] {
            let agentID = try SPIFFEID("spiffe://example.org/spire/agent/join_token/\(name)")
            let node = AttestedNode(spiffeID: agentID, attestationType: "join_token", certSerialNumber: "1", certNotAfter: Date().addingTimeInterval(3600))
            for _ in 0..<2 {
                let leaf = try f.core.issuer.issueAgentSVID(AgentSVIDRequest(agentID: agentID, csr: try Self.csr())).leaf
                cache.remember(leaf: leaf, node: node, bundleSequence: 1)
                cache.remember(leaf: leaf, node: node, bundleSequence: 1)
                leaves[agentID, default: []].append(leaf)
            }
        }
        #expect(cache.count == 6 && cache.agentCount == 3)
        let b = try SPIFFEID("spiffe://example.org/spire/agent/join_token/b")
        cache.invalidate(agentID: b)
        #expect(cache.count == 4 && cache.agentCount == 2)
        for (agentID, agentLeaves) in leaves {
            for leaf in agentLeaves {
                #expect((cache.lookup(leaf: leaf, bundleSequence: 1, now: Date()) == nil) == (agentID == b), "\(agentID)")
            }
        }
        // A stale lookup removes the leaf from its agent too: once both of a's leaves are gone, a is gone.
        let a = try SPIFFEID("spiffe://example.org/spire/agent/join_token/a")
        for leaf in leaves[a]! { #expect(cache.lookup(leaf: leaf, bundleSequence: 2, now: Date()) == nil) }
        #expect(cache.count == 2 && cache.agentCount == 1)
        cache.invalidate(agentID: a)
        #expect(cache.count == 2)
        // At capacity everything goes, the index with it.
        let small = AgentAuthenticationCache(capacity: 1)
        let c = try SPIFFEID("spiffe://example.org/spire/agent/join_token/c")
        let node = AttestedNode(spiffeID: c, attestationType: "join_token", certSerialNumber: "1", certNotAfter: Date().addingTimeInterval(3600))
        small.remember(leaf: leaves[c]![0], node: node, bundleSequence: 1)
        small.remember(leaf: leaves[c]![1], node: node, bundleSequence: 1)
        #expect(small.count == 1 && small.agentCount == 1)
        small.invalidate(agentID: c)
        #expect(small.count == 0 && small.agentCount == 0)
    }

    @Test("a handler called without the interceptor has no authenticated caller and refuses")
    func noCallerWithoutInterceptor() {
        #expect(throws: APIRefusal.self) { try AuthenticatedAgent.required() }
    }
}
