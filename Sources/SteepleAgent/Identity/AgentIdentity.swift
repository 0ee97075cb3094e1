public import SPIFFE
public import X509

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The agent's own X509-SVID (`spiffe://<td>/spire/agent/…`) and its key: what the agent presents to the server.
public struct AgentIdentity: Sendable {
    public let id: SPIFFEID
    /// Leaf first.
    public let chain: [Certificate]
    public let privateKey: Certificate.PrivateKey

    public init(id: SPIFFEID, chain: [Certificate], privateKey: Certificate.PrivateKey) {
        self.id = id
        self.chain = chain
        self.privateKey = privateKey
    }

    public var expiresAt: Date { chain[0].notValidAfter }

    /// When to renew: at half of the lifetime, as SPIRE's rotation rule.
    public var renewAt: Date {
        let leaf = chain[0]
        return leaf.notValidBefore + leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) / 2
    }
}
