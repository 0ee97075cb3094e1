import SteepleTelemetry
import GRPCCore
import Logging
import SPIFFE
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Renews the agent's own SVID at half of its lifetime (`RenewAgent`, a CSR for a new key), saves it, and returns so
/// that the agent reconnects presenting the new one.
struct AgentSVIDRenewer: Sendable {
    let holder: AgentIdentityHolder
    let state: AgentStateStore
    let trustDomain: TrustDomain
    let logger: Logger

    func renewWhenDue(client: ServerConnection.Client) async throws {
        let identity = holder.current
        while identity.renewAt > Date() { try await Task.sleep(for: Delay.until(identity.renewAt)) }
        // SPIRE's `agent_svid.rotate` call counter, over the renewal proper (not the wait for it).
        let call = CallCounter("agent_svid.rotate")
        do {
            try await renew(identity, client: client)
            call.done()
        } catch {
            call.done(status: "Unknown")
            throw error
        }
    }

    private func renew(_ identity: AgentIdentity, client: ServerConnection.Client) async throws {
        let key = CSRBuilder.newKey()
        var request = Steeple_Server_V1_RenewAgentRequest()
        request.csr = Data(try CSRBuilder.csr(for: key))
        let response = try await client.renewAgent(request: ClientRequest(message: request))
        let chain = try X509Bundle(trustDomain: trustDomain, derBytes: Array(response.x509SvidChain)).x509Authorities
        let id = try X509SVIDVerifier.validateShape(of: chain)
        guard id == identity.id else {
            throw AgentError(.attestationFailed, "the server renewed the agent SVID as \(id), expected \(identity.id)")
        }
        let renewed = AgentIdentity(id: id, chain: chain, privateKey: key, receivedAt: Date())
        try state.saveIdentity(renewed)
        holder.replace(with: renewed)
        logger.info("agent SVID renewed", metadata: ["spiffe_id": "\(id)", "expires_at": "\(renewed.expiresAt)"])
    }
}
