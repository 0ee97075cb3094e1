import GRPCCore
import Logging
import SPIFFE
import SPIFFECA
import SteepleDatastore
import SteepleServerAPIProto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The API agents call over TLS: attestation, SVID renewal, the pushed entry stream and signing.
struct AgentAPIService: Steeple_Server_V1_AgentAPI.SimpleServiceProtocol {
    let core: ServerCore
    let attestors: [String: any NodeAttestor]

    var authenticator: AgentAuthenticator { AgentAuthenticator(core: core) }

    /// Attests an agent; a refusal is logged (rate-limited) at warning level with the peer, the attestor and why.
    func attestAgent(
        request: RPCAsyncSequence<Steeple_Server_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Steeple_Server_V1_AttestAgentResponse>,
        context: GRPCCore.ServerContext
    ) async throws {
        do {
            try await attest(request: request, response: response)
        } catch let error as RPCError {
            core.rejections.reject(
                "agent attestation refused",
                key: "\(AgentRejectionLog.host(of: context.remotePeer)) \(error.message)",
                metadata: ["peer": "\(context.remotePeer)", "reason": "\(error.message)", "code": "\(error.code)"]
            )
            throw error
        }
    }

    private func attest(
        request: RPCAsyncSequence<Steeple_Server_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Steeple_Server_V1_AttestAgentResponse>
    ) async throws {
        var messages = request.makeAsyncIterator()
        guard let first = try await messages.next(), case .params(let params)? = first.step else {
            throw RPCError(code: .invalidArgument, message: "the first attestation message must carry the parameters")
        }
        // Before any attestor runs: a join token offered by an agent of another trust domain stays unused.
        if !params.trustDomain.isEmpty, params.trustDomain != core.trustDomain.name {
            throw RPCError(
                code: .invalidArgument,
                message: "the agent is configured for trust domain \(EntryLimits.quoted(params.trustDomain)) but this server serves \(core.trustDomain): nothing was consumed, fix the agent's trust_domain"
            )
        }
        guard let attestor = attestors[params.attestationType] else {
            let enabled = attestors.keys.sorted().joined(separator: ", ")
            throw RPCError(code: .invalidArgument, message: "node attestor \"\(params.attestationType)\" is not enabled on this server (enabled: \(enabled.isEmpty ? "none" : enabled))")
        }
        let publicKey = try caCall { try CertificateAuthority.publicKey(fromCSR: Array(params.csr)) }
        let result = try await attestor.attest(payload: Array(params.payload)) { challenge in
            var message = Steeple_Server_V1_AttestAgentResponse()
            message.challenge = Data(challenge)
            try await response.write(message)
            guard let answer = try await messages.next(), case .challengeResponse(let bytes)? = answer.step else {
                throw RPCError(code: .invalidArgument, message: "expected a challenge response")
            }
            return Array(bytes)
        }
        let existing = try await storeCall { try await core.store.fetchNode(spiffeID: result.agentID) }
        if let existing {
            guard !existing.banned else { throw RPCError(code: .permissionDenied, message: "agent \(result.agentID) is banned") }
            guard existing.canReattest else {
                throw RPCError(code: .permissionDenied, message: "agent \(result.agentID) is already attested and cannot re-attest: evict it first")
            }
        }
        let chain = try caCall { try core.signX509SVID(id: result.agentID, publicKey: publicKey, ttlSeconds: 0, dnsNames: [], defaultTTL: core.agentTTL) }
        var node = AttestedNode(
            spiffeID: result.agentID,
            attestationType: attestor.name,
            certSerialNumber: AgentAuthenticator.serialString(chain[0]),
            certNotAfter: chain[0].notValidAfter,
            canReattest: result.canReattest,
            selectors: result.selectors,
            createdAt: existing?.createdAt ?? core.now()
        )
        if existing == nil {
            node = try await storeCall { try await core.store.createNode(node) }.value
        } else {
            node = try await storeCall { try await core.store.updateNode(node) }.value
        }
        core.index.poke()
        core.logger.info("agent attested", metadata: ["agent_id": "\(result.agentID)", "attestor": "\(attestor.name)"])
        var message = Steeple_Server_V1_AttestAgentResponse()
        var attested = Steeple_Server_V1_AttestAgentResponse.Result()
        attested.x509SvidChain = Data(X509Bundle(trustDomain: core.trustDomain, x509Authorities: chain).derRepresentation)
        attested.trustBundleJson = Data(core.ca.bundle.jsonRepresentation)
        attested.spiffeID = result.agentID.string
        message.result = attested
        try await response.write(message)
    }

    func renewAgent(request: Steeple_Server_V1_RenewAgentRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_RenewAgentResponse {
        var node = try await authenticator.authenticate(context)
        let publicKey = try caCall { try CertificateAuthority.publicKey(fromCSR: Array(request.csr)) }
        let chain = try caCall { try core.signX509SVID(id: node.spiffeID, publicKey: publicKey, ttlSeconds: 0, dnsNames: [], defaultTTL: core.agentTTL) }
        // The old SVID stays acceptable until the agent uses the new one (SPIRE's new/current serial pair).
        node.certSerialNumber = node.newCertSerialNumber ?? node.certSerialNumber
        node.newCertSerialNumber = AgentAuthenticator.serialString(chain[0])
        node.newCertNotAfter = chain[0].notValidAfter
        node.certNotAfter = chain[0].notValidAfter
        let renewed = node
        _ = try await storeCall { try await core.store.updateNode(renewed) }
        var response = Steeple_Server_V1_RenewAgentResponse()
        response.x509SvidChain = Data(X509Bundle(trustDomain: core.trustDomain, x509Authorities: chain).derRepresentation)
        return response
    }

    func batchSignX509SVID(
        request: Steeple_Server_V1_BatchSignX509SVIDRequest,
        context: GRPCCore.ServerContext
    ) async throws -> Steeple_Server_V1_BatchSignX509SVIDResponse {
        let node = try await authenticator.authenticate(context)
        let authorized = core.index.authorizedEntries(ids: request.params.map(\.entryID), for: node.spiffeID)
        var response = Steeple_Server_V1_BatchSignX509SVIDResponse()
        for params in request.params {
            var result = Steeple_Server_V1_BatchSignX509SVIDResponse.Result()
            result.entryID = params.entryID
            do {
                guard let entry = authorized[params.entryID] else {
                    throw RPCError(code: .permissionDenied, message: "agent \(node.spiffeID) is not authorized for entry \(params.entryID)")
                }
                let publicKey = try caCall { try CertificateAuthority.publicKey(fromCSR: Array(params.csr)) }
                let chain = try caCall { try core.signX509SVID(id: entry.spiffeID, publicKey: publicKey, ttlSeconds: entry.x509SVIDTTL, dnsNames: entry.dnsNames) }
                result.x509SvidChain = Data(X509Bundle(trustDomain: core.trustDomain, x509Authorities: chain).derRepresentation)
                result.expiresAt = UnixTime.clampedSeconds(chain[0].notValidAfter)
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        return response
    }

    func signJWTSVID(request: Steeple_Server_V1_SignJWTSVIDRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_SignJWTSVIDResponse {
        let node = try await authenticator.authenticate(context)
        guard let entry = core.index.authorizedEntries(ids: [request.entryID], for: node.spiffeID)[request.entryID] else {
            throw RPCError(code: .permissionDenied, message: "agent \(node.spiffeID) is not authorized for entry \(request.entryID)")
        }
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        let svid = try caCall { try core.signJWTSVID(id: entry.spiffeID, audience: request.audience, ttlSeconds: entry.jwtSVIDTTL) }
        var response = Steeple_Server_V1_SignJWTSVIDResponse()
        response.token = svid.token
        response.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
        return response
    }
}
