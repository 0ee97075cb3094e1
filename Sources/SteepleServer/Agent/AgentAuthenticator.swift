import GRPCCore
import Logging
import GRPCUnixServer
import SPIFFE
import SteepleDatastore
import SteepleSupport
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Authenticates the caller of an agent API call by the X509-SVID it presented in the TLS handshake: the chain
/// must verify against the trust domain's bundle, name an agent (`/spire/agent/…`), belong to an attested node that
/// is not banned, and be the node's current (or just renewed) SVID — an evicted or superseded SVID is refused.
/// A success is remembered in ``AgentAuthenticationCache`` (by the whole leaf certificate, for the bundle of the
/// moment), so the further calls of a connection skip the verification and the datastore read.
struct AgentAuthenticator: Sendable {
    let trustBundle: any TrustBundleSource
    let nodes: any AttestedNodeStore
    let rejections: AgentRejectionLog
    let now: @Sendable () -> Date
    /// `nil`: every call is checked in full (what every call cost before the cache; kept for the benchmark).
    let cache: AgentAuthenticationCache?

    /// Authenticates the caller; a refusal is logged (rate-limited) with the peer, the ID it presented and why.
    func authenticate(_ context: GRPCCore.ServerContext) async throws -> AttestedNode {
        try await authenticate(chain: Self.peerChain(context), peer: context.remotePeer, method: context.descriptor.method)
    }

    /// Authenticates a presented chain (the leaf first); a refusal is logged as by ``authenticate(_:)``.
    func authenticate(chain: [Certificate], peer: String, method: String) async throws -> AttestedNode {
        do {
            return try await check(chain: chain)
        } catch let error as Refusal {
            rejections.reject(
                "agent credentials rejected",
                key: "\(error.presented ?? AgentRejectionLog.host(of: peer)) \(error.reason)",
                metadata: [
                    "peer": "\(peer)", "agent_id": "\(error.presented ?? "")", "reason": "\(error.reason)", "method": "\(method)",
                ]
            )
            throw error.refusal
        }
    }

    /// Why a caller was refused, and the ID its certificate claimed when it got that far.
    private struct Refusal: Error {
        let refusal: APIRefusal
        let presented: String?
        var reason: String { refusal.message }
    }

    /// The chain the caller presented in its TLS handshake (empty without TLS or without a client certificate).
    static func peerChain(_ context: GRPCCore.ServerContext) -> [Certificate] {
        context.tlsPeer?.certificateChain ?? []
    }

    /// From the cache when this very leaf passed for the current bundle, else in full.
    private func check(chain: [Certificate]) async throws -> AttestedNode {
        guard !chain.isEmpty else {
            throw Refusal(refusal: APIRefusal(.noClientCertificate, "no client certificate: present the agent's X509-SVID"), presented: nil)
        }
        let bundle = trustBundle.bundle
        let bundleSequence = bundle.sequenceNumber ?? 0
        if let node = cache?.lookup(leaf: chain[0], bundleSequence: bundleSequence, now: now()) {
            return node
        }
        let verified: VerifiedX509SVIDChain
        do {
            verified = try await X509SVIDVerifier.verify(chain: chain, bundles: bundle, at: now())
        } catch {
            throw Refusal(refusal: APIRefusal(.agentSVIDRejected, "agent SVID rejected: \(error.message)"), presented: nil)
        }
        let id = verified.id.string
        guard verified.id.path.hasPrefix("/spire/agent/") else {
            throw Refusal(refusal: APIRefusal(.notAnAgentID, "\(verified.id) is not an agent ID"), presented: id)
        }
        guard let node = try await nodes.fetchNode(spiffeID: verified.id) else {
            throw Refusal(refusal: APIRefusal(.agentNotAttested, "agent \(verified.id) is not attested (evicted?): it must attest again"), presented: id)
        }
        guard !node.banned else {
            throw Refusal(refusal: APIRefusal(.agentBanned, "agent \(verified.id) is banned"), presented: id)
        }
        let serial = Self.serialString(chain[0])
        guard serial == node.certSerialNumber || serial == node.newCertSerialNumber else {
            throw Refusal(refusal: APIRefusal(.agentSVIDSuperseded, "agent SVID is not the current one for \(verified.id)"), presented: id)
        }
        cache?.remember(leaf: chain[0], node: node, bundleSequence: bundleSequence)
        return node
    }

    static func serialString(_ certificate: Certificate) -> String {
        HexEncoding.lowercase(certificate.serialNumber.bytes)
    }
}
