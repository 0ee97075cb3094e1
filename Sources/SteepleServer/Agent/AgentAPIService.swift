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
    let trustDomain: TrustDomain
    let nodes: any AttestedNodeStore
    /// Federated bundles, for the entries that federate.
    let bundles: any BundleStore
    let trustBundle: any TrustBundleSource
    let issuer: any SVIDIssuer
    let entries: any EntryAuthorizer
    let changes: any ChangeNotifier
    /// Cached agent authentications, dropped on renewal.
    let authentication: AgentAuthenticationCache
    let rejections: AgentRejectionLog
    let logger: Logger
    let now: @Sendable () -> Date
    let attestors: [String: any NodeAttestor]

    /// Attests an agent; a refusal is logged (rate-limited) at warning level with the peer, the attestor and why.
    func attestAgent(
        request: RPCAsyncSequence<Steeple_Server_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Steeple_Server_V1_AttestAgentResponse>,
        context: GRPCCore.ServerContext
    ) async throws {
        do {
            try await attest(request: request, response: response)
        } catch where error is RPCError || error is any RPCErrorConvertible {
            let status = APIErrorMap.rpcError(error)
            rejections.reject(
                "agent attestation refused",
                key: "\(AgentRejectionLog.host(of: context.remotePeer)) \(status.message)",
                metadata: ["peer": "\(context.remotePeer)", "reason": "\(status.message)", "code": "\(status.code)"]
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
            throw APIRefusal(.invalidRequest, "the first attestation message must carry the parameters")
        }
        // Before any attestor runs: a join token offered by an agent of another trust domain stays unused.
        if !params.trustDomain.isEmpty, params.trustDomain != trustDomain.name {
            throw APIRefusal(
                .invalidRequest,
                "the agent is configured for trust domain \(EntryValidator.quoted(params.trustDomain)) but this server serves \(trustDomain): nothing was consumed, fix the agent's trust_domain"
            )
        }
        guard let attestor = attestors[params.attestationType] else {
            let enabled = attestors.keys.sorted().joined(separator: ", ")
            throw APIRefusal(.invalidRequest, "node attestor \"\(params.attestationType)\" is not enabled on this server (enabled: \(enabled.isEmpty ? "none" : enabled))")
        }
        try issuer.checkCSR(Array(params.csr))
        let result = try await attestor.attest(payload: Array(params.payload)) { challenge in
            var message = Steeple_Server_V1_AttestAgentResponse()
            message.challenge = Data(challenge)
            try await response.write(message)
            guard let answer = try await messages.next(), case .challengeResponse(let bytes)? = answer.step else {
                throw APIRefusal(.invalidRequest, "expected a challenge response")
            }
            return Array(bytes)
        }
        let existing = try await nodes.fetchNode(spiffeID: result.agentID)
        if let existing {
            guard !existing.banned else { throw APIRefusal(.agentBanned, "agent \(result.agentID) is banned") }
            guard existing.canReattest else {
                throw APIRefusal(.alreadyAttested, "agent \(result.agentID) is already attested and cannot re-attest: evict it first")
            }
        }
        let chain = try issuer.issueAgentSVID(AgentSVIDRequest(agentID: result.agentID, csr: Array(params.csr))).chain
        var node = AttestedNode(
            spiffeID: result.agentID,
            attestationType: attestor.name,
            certSerialNumber: AgentAuthenticator.serialString(chain[0]),
            certNotAfter: chain[0].notValidAfter,
            canReattest: result.canReattest,
            selectors: result.selectors,
            createdAt: existing?.createdAt ?? now()
        )
        if existing == nil {
            node = try await nodes.createNode(node).value
        } else {
            node = try await nodes.updateNode(node).value
        }
        changes.poke()
        logger.info("agent attested", metadata: ["agent_id": "\(result.agentID)", "attestor": "\(attestor.name)"])
        var message = Steeple_Server_V1_AttestAgentResponse()
        var attested = Steeple_Server_V1_AttestAgentResponse.Result()
        attested.x509SvidChain = Data(X509Bundle(trustDomain: trustDomain, x509Authorities: chain).derRepresentation)
        attested.trustBundleJson = Data(trustBundle.bundle.jsonRepresentation)
        attested.spiffeID = result.agentID.string
        message.result = attested
        try await response.write(message)
    }

    func renewAgent(request: Steeple_Server_V1_RenewAgentRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_RenewAgentResponse {
        var node = try AuthenticatedAgent.required().node
        let chain = try issuer.issueAgentSVID(AgentSVIDRequest(agentID: node.spiffeID, csr: Array(request.csr))).chain
        // The old SVID stays acceptable until the agent uses the new one (SPIRE's new/current serial pair).
        node.certSerialNumber = node.newCertSerialNumber ?? node.certSerialNumber
        node.newCertSerialNumber = AgentAuthenticator.serialString(chain[0])
        node.newCertNotAfter = chain[0].notValidAfter
        node.certNotAfter = chain[0].notValidAfter
        let renewed = node
        _ = try await nodes.updateNode(renewed)
        // The cached record names the old serial pair: the next call reads the new one.
        authentication.invalidate(agentID: renewed.spiffeID)
        var response = Steeple_Server_V1_RenewAgentResponse()
        response.x509SvidChain = Data(X509Bundle(trustDomain: trustDomain, x509Authorities: chain).derRepresentation)
        return response
    }

    func batchSignX509SVID(
        request: Steeple_Server_V1_BatchSignX509SVIDRequest,
        context: GRPCCore.ServerContext
    ) async throws -> Steeple_Server_V1_BatchSignX509SVIDResponse {
        let node = try AuthenticatedAgent.required().node
        let authorized = entries.authorizedEntries(ids: request.params.map(\.entryID), for: node.spiffeID)
        var response = Steeple_Server_V1_BatchSignX509SVIDResponse()
        for params in request.params {
            var result = Steeple_Server_V1_BatchSignX509SVIDResponse.Result()
            result.entryID = params.entryID
            do {
                guard let entry = authorized[params.entryID] else {
                    throw APIRefusal(.notAuthorizedForEntry, "agent \(node.spiffeID) is not authorized for entry \(params.entryID)")
                }
                let svid = try issuer.issueWorkloadX509SVID(
                        WorkloadX509SVIDRequest(spiffeID: entry.spiffeID, csr: Array(params.csr), ttl: entry.x509SVIDTTLOverride, dnsNames: entry.dnsNames)
                    )
                result.x509SvidChain = Data(svid.chainDER)
                result.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        return response
    }

    func signJWTSVID(request: Steeple_Server_V1_SignJWTSVIDRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_SignJWTSVIDResponse {
        let node = try AuthenticatedAgent.required().node
        guard let entry = entries.authorizedEntries(ids: [request.entryID], for: node.spiffeID)[request.entryID] else {
            throw APIRefusal(.notAuthorizedForEntry, "agent \(node.spiffeID) is not authorized for entry \(request.entryID)")
        }
        guard !request.audience.isEmpty else { throw APIRefusal(.invalidRequest, "audience must be specified") }
        let svid = try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: entry.spiffeID, audience: request.audience, ttl: entry.jwtSVIDTTLOverride))
        var response = Steeple_Server_V1_SignJWTSVIDResponse()
        response.token = svid.token
        response.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
        return response
    }
}
