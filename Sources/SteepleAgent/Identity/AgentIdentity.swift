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
    /// When the agent got it: the server backdates `notBefore` (clock skew cushion), so the usable lifetime starts here.
    public let receivedAt: Date

    /// - Parameter receivedAt: when the server issued it; nil (a saved SVID) counts from its `notBefore`.
    public init(id: SPIFFEID, chain: [Certificate], privateKey: Certificate.PrivateKey, receivedAt: Date? = nil) {
        self.id = id
        self.chain = chain
        self.privateKey = privateKey
        self.receivedAt = max(chain[0].notValidBefore, receivedAt ?? chain[0].notValidBefore)
    }

    public var expiresAt: Date { chain[0].notValidAfter }

    /// When to renew: at half of the usable lifetime (SPIRE's rule, counted from receipt so that the server's
    /// `notBefore` backdating cannot make a short-lived SVID due on arrival).
    public var renewAt: Date {
        receivedAt + chain[0].notValidAfter.timeIntervalSince(receivedAt) / 2
    }
}
