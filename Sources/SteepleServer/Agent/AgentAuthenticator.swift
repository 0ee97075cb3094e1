import GRPCCore
import Logging
import GRPCNIOTransportHTTP2
import SPIFFE
import SteepleDatastore
import SteepleSupport
import X509

/// Authenticates the caller of an agent API call by the X509-SVID it presented in the TLS handshake: the chain
/// must verify against the trust domain's bundle, name an agent (`/spire/agent/…`), belong to an attested node that
/// is not banned, and be the node's current (or just renewed) SVID — an evicted or superseded SVID is refused.
struct AgentAuthenticator: Sendable {
    let core: ServerCore

    /// Authenticates the caller; a refusal is logged (rate-limited) with the peer, the ID it presented and why.
    func authenticate(_ context: GRPCCore.ServerContext) async throws -> AttestedNode {
        do {
            return try await check(context)
        } catch let error as Refusal {
            core.rejections.reject(
                "agent credentials rejected",
                key: "\(error.presented ?? AgentRejectionLog.host(of: context.remotePeer)) \(error.reason)",
                metadata: [
                    "peer": "\(context.remotePeer)", "agent_id": "\(error.presented ?? "")", "reason": "\(error.reason)",
                    "method": "\(context.descriptor.method)",
                ]
            )
            throw error.rpcError
        }
    }

    /// Why a caller was refused, and the ID its certificate claimed when it got that far.
    private struct Refusal: Error {
        let rpcError: RPCError
        let presented: String?
        var reason: String { rpcError.message }
    }

    private func check(_ context: GRPCCore.ServerContext) async throws -> AttestedNode {
        var chain: [Certificate] = []
        if let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context {
            if let validated = transport.peerCertificateChain {
                for certificate in validated { chain.append(certificate) }
            } else if let leaf = transport.peerCertificate {
                chain.append(leaf)
            }
        }
        guard !chain.isEmpty else {
            throw Refusal(rpcError: RPCError(code: .unauthenticated, message: "no client certificate: present the agent's X509-SVID"), presented: nil)
        }
        let verified: VerifiedX509SVIDChain
        do {
            verified = try await X509SVIDVerifier.verify(chain: chain, bundles: core.ca.bundle, at: core.now())
        } catch {
            throw Refusal(rpcError: RPCError(code: .unauthenticated, message: "agent SVID rejected: \(error.message)"), presented: nil)
        }
        let id = verified.id.string
        guard verified.id.path.hasPrefix("/spire/agent/") else {
            throw Refusal(rpcError: RPCError(code: .permissionDenied, message: "\(verified.id) is not an agent ID"), presented: id)
        }
        guard let node = try await storeCall({ try await core.store.fetchNode(spiffeID: verified.id) }) else {
            throw Refusal(rpcError: RPCError(code: .permissionDenied, message: "agent \(verified.id) is not attested (evicted?): it must attest again"), presented: id)
        }
        guard !node.banned else {
            throw Refusal(rpcError: RPCError(code: .permissionDenied, message: "agent \(verified.id) is banned"), presented: id)
        }
        let serial = Self.serialString(chain[0])
        guard serial == node.certSerialNumber || serial == node.newCertSerialNumber else {
            throw Refusal(rpcError: RPCError(code: .permissionDenied, message: "agent SVID is not the current one for \(verified.id)"), presented: id)
        }
        return node
    }

    static func serialString(_ certificate: Certificate) -> String {
        HexEncoding.lowercase(certificate.serialNumber.bytes)
    }
}
