package import Logging
package import SteepleDatastore
import SPIFFE
import SPIFFECA
import X509
import Crypto
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// For `steeple-bench`: the agent API's caller authentication on its own, over a real store, for an agent whose
/// node record and SVID the server made — once in full (chain verification against the bundle and a datastore
/// read: what every call cost before the cache) and once from ``AgentAuthenticationCache`` (every call of a
/// connection after its first).
package struct AgentAuthenticationProbe: Sendable {
    private let full: AgentAuthenticator
    private let cached: AgentAuthenticator
    private let chain: [Certificate]

    package static func make(
        store: any Datastore & ChangeLogStore & CAJournalStore,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> AgentAuthenticationProbe {
        var configuration = ServerConfiguration(trustDomain: try TrustDomain("example.org"))
        configuration.keyManager = .memory
        let core = try await ServerCore.make(configuration: configuration, store: store, keyManager: InMemoryKeyManager(), logger: logger, now: now)
        let agentID = try SPIFFEID("spiffe://example.org/spire/agent/join_token/bench")
        let key = P256.Signing.PrivateKey()
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("agent") }, privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        let svid = try core.issuer.issueAgentSVID(AgentSVIDRequest(agentID: agentID, csr: serializer.serializedBytes))
        _ = try await store.createNode(
            AttestedNode(
                spiffeID: agentID, attestationType: "join_token", certSerialNumber: AgentAuthenticator.serialString(svid.leaf),
                certNotAfter: svid.expiresAt, createdAt: now()
            )
        )
        return AgentAuthenticationProbe(
            full: core.agentAuthenticator(cache: nil),
            cached: core.agentAuthenticator(cache: AgentAuthenticationCache()),
            chain: try svid.chain
        )
    }

    /// Authenticates the agent's chain in full.
    package func authenticateInFull() async throws {
        _ = try await full.authenticate(chain: chain, peer: "bench", method: "BatchSignX509SVID")
    }

    /// Authenticates the agent's chain through the cache (the first call fills it).
    package func authenticateCached() async throws {
        _ = try await cached.authenticate(chain: chain, peer: "bench", method: "BatchSignX509SVID")
    }
}
