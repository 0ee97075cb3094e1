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
    /// Snapshots encoded once per closure, shared by the agents of a group.
    let snapshotPages: SnapshotPageCache
    let changes: any ChangeNotifier
    /// Cached agent authentications, dropped on renewal.
    let authentication: AgentAuthenticationCache
    let rejections: AgentRejectionLog
    /// `SVID issued` lines when the audit log is on.
    let audit: AuditLog
    let logger: Logger
    let now: @Sendable () -> Date
    let attestors: [String: any NodeAttestor]

    /// Attests an agent; a refusal is logged (rate-limited) at warning level with the peer, the attestor and why.
    func attestAgent(
        request: RPCAsyncSequence<Steeple_Server_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Steeple_Server_V1_AttestAgentResponse>,
        context: GRPCCore.ServerContext
    ) async throws {
        try await loggingRefusal(context) {
            var messages = request.makeAsyncIterator()
            guard let first = try await messages.next(), case .params(let params)? = first.step else {
                throw APIRefusal(.invalidRequest, "the first attestation message must carry the parameters")
            }
            let outcome = try await attest(
                type: params.attestationType,
                payload: Array(params.payload),
                csr: Array(params.csr),
                trustDomainName: params.trustDomain
            ) { challenge in
                var message = Steeple_Server_V1_AttestAgentResponse()
                message.challenge = Data(challenge)
                try await response.write(message)
                guard let answer = try await messages.next(), case .challengeResponse(let bytes)? = answer.step else {
                    throw APIRefusal(.invalidRequest, "expected a challenge response")
                }
                return Array(bytes)
            }
            var message = Steeple_Server_V1_AttestAgentResponse()
            var attested = Steeple_Server_V1_AttestAgentResponse.Result()
            attested.x509SvidChain = Data(X509Bundle(trustDomain: trustDomain, x509Authorities: outcome.chain).derRepresentation)
            attested.trustBundleJson = Data(trustBundle.bundle.jsonRepresentation)
            attested.spiffeID = outcome.agentID.string
            message.result = attested
            try await response.write(message)
        }
    }

    /// Runs `body`, logging a refusal (rate-limited, at warning level) with the peer and why before rethrowing it.
    func loggingRefusal(_ context: GRPCCore.ServerContext, _ body: () async throws -> Void) async throws {
        do {
            try await body()
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

    /// What attestation gives an agent.
    struct Attestation {
        let agentID: SPIFFEID
        let chain: [Certificate]
        let canReattest: Bool
    }

    /// Node attestation, whatever the wire (Steeple's agent API or SPIRE's): checks the CSR, runs the attestor (with
    /// as many challenge rounds as it asks for), refuses banned agents and agents that may not re-attest, signs the
    /// agent SVID and stores the node.
    func attest(
        type: String,
        payload: [UInt8],
        csr: [UInt8],
        trustDomainName: String? = nil,
        challenge: ([UInt8]) async throws -> [UInt8]
    ) async throws -> Attestation {
        // Before any attestor runs: a join token offered by an agent of another trust domain stays unused.
        if let trustDomainName, !trustDomainName.isEmpty, trustDomainName != trustDomain.name {
            throw APIRefusal(
                .invalidRequest,
                "the agent is configured for trust domain \(EntryValidator.quoted(trustDomainName)) but this server serves \(trustDomain): nothing was consumed, fix the agent's trust_domain"
            )
        }
        guard let attestor = attestors[type] else {
            let enabled = attestors.keys.sorted().joined(separator: ", ")
            throw APIRefusal(.invalidRequest, "node attestor \"\(type)\" is not enabled on this server (enabled: \(enabled.isEmpty ? "none" : enabled))")
        }
        try issuer.checkCSR(csr)
        let result = try await attestor.attest(payload: payload, challenge: challenge)
        let existing = try await nodes.fetchNode(spiffeID: result.agentID)
        if let existing {
            guard !existing.banned else { throw APIRefusal(.agentBanned, "agent \(result.agentID) is banned") }
            guard existing.canReattest else {
                throw APIRefusal(.alreadyAttested, "agent \(result.agentID) is already attested and cannot re-attest: evict it first")
            }
        }
        let chain = try issuer.issueAgentSVID(AgentSVIDRequest(agentID: result.agentID, csr: csr)).chain
        let node = AttestedNode(
            spiffeID: result.agentID,
            attestationType: attestor.name,
            certSerialNumber: AgentAuthenticator.serialString(chain[0]),
            certNotAfter: chain[0].notValidAfter,
            canReattest: result.canReattest,
            selectors: result.selectors,
            createdAt: existing?.createdAt ?? now()
        )
        if existing == nil {
            _ = try await nodes.createNode(node)
        } else {
            _ = try await nodes.updateNode(node)
        }
        changes.poke()
        audit.issued(x509: chain[0], spiffeID: result.agentID, entryID: nil, to: result.agentID)
        logger.info("agent attested", metadata: ["agent_id": "\(result.agentID)", "attestor": "\(attestor.name)"])
        return Attestation(agentID: result.agentID, chain: chain, canReattest: result.canReattest)
    }

    func renewAgent(request: Steeple_Server_V1_RenewAgentRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_RenewAgentResponse {
        let chain = try await renew(try AuthenticatedAgent.required().node, csr: Array(request.csr))
        var response = Steeple_Server_V1_RenewAgentResponse()
        response.x509SvidChain = Data(X509Bundle(trustDomain: trustDomain, x509Authorities: chain).derRepresentation)
        return response
    }

    /// A new agent SVID for `node`; the old one stays acceptable until the agent uses the new one (SPIRE's
    /// new/current serial pair).
    func renew(_ node: AttestedNode, csr: [UInt8]) async throws -> [Certificate] {
        var node = node
        let chain = try issuer.issueAgentSVID(AgentSVIDRequest(agentID: node.spiffeID, csr: csr)).chain
        node.certSerialNumber = node.newCertSerialNumber ?? node.certSerialNumber
        node.newCertSerialNumber = AgentAuthenticator.serialString(chain[0])
        node.newCertNotAfter = chain[0].notValidAfter
        node.certNotAfter = chain[0].notValidAfter
        let renewed = node
        _ = try await nodes.updateNode(renewed)
        audit.issued(x509: chain[0], spiffeID: node.spiffeID, entryID: nil, to: node.spiffeID)
        // The cached record names the old serial pair: the next call reads the new one.
        authentication.invalidate(agentID: renewed.spiffeID)
        return chain
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
                let svid = try signX509SVID(entry: authorized[params.entryID], id: params.entryID, csr: Array(params.csr), for: node)
                result.x509SvidChain = Data(svid.chainDER)
                result.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        return response
    }

    /// A workload X509-SVID of `entry` (the authorized entry with ID `id`, `nil` when the agent is not authorized).
    func signX509SVID(entry: RegistrationEntry?, id: String, csr: [UInt8], for node: AttestedNode) throws -> IssuedX509SVID {
        guard let entry else {
            throw APIRefusal(.notAuthorizedForEntry, "agent \(node.spiffeID) is not authorized for entry \(id)")
        }
        let issued = try issuer.issueWorkloadX509SVID(
            WorkloadX509SVIDRequest(spiffeID: entry.spiffeID, csr: csr, ttl: entry.x509SVIDTTLOverride, dnsNames: entry.dnsNames)
        )
        audit.issued(x509: issued, spiffeID: entry.spiffeID, entryID: entry.id, to: node.spiffeID)
        return issued
    }

    func signJWTSVID(request: Steeple_Server_V1_SignJWTSVIDRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_SignJWTSVIDResponse {
        let svid = try signJWTSVID(entryID: request.entryID, audience: request.audience, for: try AuthenticatedAgent.required().node)
        var response = Steeple_Server_V1_SignJWTSVIDResponse()
        response.token = svid.token
        response.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
        return response
    }

    /// A workload JWT-SVID of an entry `node` is authorized for.
    func signJWTSVID(entryID: String, audience: [String], for node: AttestedNode) throws -> JWTSVID {
        guard let entry = entries.authorizedEntries(ids: [entryID], for: node.spiffeID)[entryID] else {
            throw APIRefusal(.notAuthorizedForEntry, "agent \(node.spiffeID) is not authorized for entry \(entryID)")
        }
        guard !audience.isEmpty else { throw APIRefusal(.invalidRequest, "audience must be specified") }
        let svid = try issuer.issueWorkloadJWTSVID(
            WorkloadJWTSVIDRequest(spiffeID: entry.spiffeID, audience: audience, ttl: entry.jwtSVIDTTLOverride, includeJTI: entry.jwtSVIDIncludeJTI)
        )
        audit.issued(jwt: svid, entryID: entry.id, to: node.spiffeID)
        return svid
    }
}
