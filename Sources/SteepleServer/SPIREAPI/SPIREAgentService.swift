import GRPCCore
import Logging
import SPIFFE
import SPIFFECA
import SPIREAPIProto
import SteepleDatastore
import SwiftProtobuf
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's Agent API (`spire.api.server.agent.v1.Agent`): the admin half (count, list, get, delete (evict), ban,
/// join tokens) over the operations of ``AdminAPIService``, and the agent half (attest, renew, status) over those of
/// ``AgentAPIService``, which Steeple's own agents reach through the pushed-sync API.
struct SPIREAgentService: Spire_Api_Server_Agent_V1_Agent.SimpleServiceProtocol {
    let admin: AdminAPIService
    let agents: AgentAPIService

    func countAgents(request: Spire_Api_Server_Agent_V1_CountAgentsRequest, context _: ServerContext) async throws -> Spire_Api_Server_Agent_V1_CountAgentsResponse {
        let query = try Self.query(request.filter)
        var response = Spire_Api_Server_Agent_V1_CountAgentsResponse()
        response.count = Int32(clamping: try await admin.nodes.countNodes(query))
        return response
    }

    func listAgents(request: Spire_Api_Server_Agent_V1_ListAgentsRequest, context _: ServerContext) async throws -> Spire_Api_Server_Agent_V1_ListAgentsResponse {
        let query = try Self.query(request.filter)
        let pagination = try SPIREPageToken.pagination(request.pageToken, size: request.pageSize, .agents)
        let page = try await admin.nodes.listNodes(query, pagination: pagination)
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Agent_V1_ListAgentsResponse()
        response.agents = page.items.map { $0.spireProto.masked(mask) }
        response.nextPageToken = SPIREPageToken.encode(page.nextToken, .agents)
        return response
    }

    func getAgent(request: Spire_Api_Server_Agent_V1_GetAgentRequest, context _: ServerContext) async throws -> Spire_Api_Types_Agent {
        let id = try Self.agentID(request.hasID ? request.id : nil)
        guard let node = try await admin.nodes.fetchNode(spiffeID: id) else {
            throw RPCError(code: .notFound, message: "agent not found")
        }
        return node.spireProto.masked(request.hasOutputMask ? request.outputMask : nil)
    }

    func deleteAgent(request: Spire_Api_Server_Agent_V1_DeleteAgentRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        let id = try Self.agentID(request.hasID ? request.id : nil)
        do {
            _ = try await admin.evict(id, context: context)
        } catch let error as DatastoreError where error.code == .notFound {
            throw RPCError(code: .notFound, message: "agent not found")
        }
        return Google_Protobuf_Empty()
    }

    func banAgent(request: Spire_Api_Server_Agent_V1_BanAgentRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        let id = try Self.agentID(request.hasID ? request.id : nil)
        do {
            _ = try await admin.ban(id, context: context)
        } catch let error as APIRefusal where error.reason == .notFound {
            throw RPCError(code: .notFound, message: "agent not found")
        }
        return Google_Protobuf_Empty()
    }

    func createJoinToken(request: Spire_Api_Server_Agent_V1_CreateJoinTokenRequest, context: ServerContext) async throws -> Spire_Api_Types_JoinToken {
        guard request.ttl >= 1 else { throw RPCError(code: .invalidArgument, message: "ttl is required, you must provide one") }
        let ttl = try TTL(seconds: request.ttl, field: "ttl")
        var aliasID: SPIFFEID?
        if request.hasAgentID {
            do {
                aliasID = try SPIFFEID(request.agentID)
            } catch {
                throw RPCError(error, prefix: "invalid agent ID")
            }
        }
        let token = try await admin.issueJoinToken(value: request.token.isEmpty ? nil : request.token, ttl: ttl, aliasID: aliasID, context: context)
        var response = Spire_Api_Types_JoinToken()
        response.value = token.value
        response.expiresAt = token.expiresAt.seconds
        return response
    }

    /// Node attestation as a stock SPIRE agent does it: parameters (attestation data and CSR), challenge rounds, then
    /// the agent SVID.
    func attestAgent(
        request: RPCAsyncSequence<Spire_Api_Server_Agent_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Spire_Api_Server_Agent_V1_AttestAgentResponse>,
        context: ServerContext
    ) async throws {
        try await agents.loggingRefusal(context) {
            var messages = request.makeAsyncIterator()
            let first: Spire_Api_Server_Agent_V1_AttestAgentRequest?
            do {
                first = try await messages.next()
            } catch {
                throw RPCError(code: .invalidArgument, message: "failed to receive request from stream: \(error)")
            }
            let params = try Self.attestationParams(first)
            let outcome = try await agents.attest(type: params.data.type, payload: Array(params.data.payload), csr: Array(params.params.csr)) { challenge in
                var message = Spire_Api_Server_Agent_V1_AttestAgentResponse()
                message.challenge = Data(challenge)
                try await response.write(message)
                guard let answer = try await messages.next(), case .challengeResponse(let bytes)? = answer.step else {
                    throw RPCError(code: .invalidArgument, message: "expected a challenge response")
                }
                return Array(bytes)
            }
            var message = Spire_Api_Server_Agent_V1_AttestAgentResponse()
            var result = Spire_Api_Server_Agent_V1_AttestAgentResponse.Result()
            result.svid = Self.x509SVID(outcome.agentID, outcome.chain)
            result.reattestable = outcome.canReattest
            message.result = result
            try await response.write(message)
        }
    }

    func renewAgent(request: Spire_Api_Server_Agent_V1_RenewAgentRequest, context _: ServerContext) async throws -> Spire_Api_Server_Agent_V1_RenewAgentResponse {
        let node = try AuthenticatedAgent.required().node
        guard request.hasParams else { throw RPCError(code: .invalidArgument, message: "params cannot be nil") }
        guard !request.params.csr.isEmpty else { throw RPCError(code: .invalidArgument, message: "missing CSR") }
        var response = Spire_Api_Server_Agent_V1_RenewAgentResponse()
        response.svid = Self.x509SVID(node.spiffeID, try await agents.renew(node, csr: Array(request.params.csr)))
        return response
    }

    /// Stores the version the agent reports (SPIRE's agents post it after attesting); `agent list` and `GetAgent`
    /// show it. An empty version changes nothing, as in SPIRE.
    func postStatus(request: Spire_Api_Server_Agent_V1_PostStatusRequest, context _: ServerContext) async throws -> Spire_Api_Server_Agent_V1_PostStatusResponse {
        let node = try AuthenticatedAgent.required().node
        guard request.agentVersion.utf8.count <= 255 else {
            throw RPCError(code: .invalidArgument, message: "agent version is too long (max 255 characters)")
        }
        if !request.agentVersion.isEmpty, request.agentVersion != node.agentVersion {
            _ = try await admin.nodes.setAgentVersion(request.agentVersion, spiffeID: node.spiffeID)
            // The cached node (keyed by the agent's certificate) still has the old version.
            admin.authentication.invalidate(agentID: node.spiffeID)
            admin.logger.debug("Agent status updated", metadata: ["spiffe_id": "\(node.spiffeID)", "agent_version": "\(request.agentVersion)"])
        }
        return Spire_Api_Server_Agent_V1_PostStatusResponse()
    }

    /// The first message of an attestation, checked as SPIRE checks it.
    private static func attestationParams(_ message: Spire_Api_Server_Agent_V1_AttestAgentRequest?) throws -> Spire_Api_Server_Agent_V1_AttestAgentRequest.Params {
        let problem: String
        if let message, case .params(let params)? = message.step {
            switch true {
            case !params.hasData: problem = "missing attestation data"
            case !params.hasParams: problem = "missing X509-SVID parameters"
            case params.params.csr.isEmpty: problem = "missing CSR"
            case params.data.type.isEmpty: problem = "missing attestation data type"
            case params.data.payload.isEmpty: problem = "missing attestation data payload"
            default: return params
            }
        } else {
            problem = "missing params"
        }
        throw RPCError(code: .invalidArgument, message: "malformed param: \(problem)")
    }

    /// SPIRE's X509SVID message: the ID, the chain (one DER certificate per element) and the leaf's expiry.
    static func x509SVID(_ id: SPIFFEID, _ chain: [Certificate]) -> Spire_Api_Types_X509SVID {
        var svid = Spire_Api_Types_X509SVID()
        svid.id = Spire_Api_Types_SPIFFEID(id)
        svid.certChain = chain.map { Data($0.spiffeDERBytes) }
        svid.expiresAt = chain.first.map { UnixTime.clampedSeconds($0.notValidAfter) } ?? 0
        return svid
    }

    /// SPIRE's X509SVID message of a chain the CA wrote: its DER as written, one certificate per element.
    static func x509SVID(_ id: SPIFFEID, _ issued: IssuedX509SVID) -> Spire_Api_Types_X509SVID {
        var svid = Spire_Api_Types_X509SVID()
        svid.id = Spire_Api_Types_SPIFFEID(id)
        svid.certChain = issued.certificatesDER.map { Data($0) }
        svid.expiresAt = UnixTime.clampedSeconds(issued.expiresAt)
        return svid
    }

    private static func agentID(_ proto: Spire_Api_Types_SPIFFEID?) throws -> SPIFFEID {
        guard let proto else { throw RPCError(code: .invalidArgument, message: "invalid agent ID: request must specify SPIFFE ID") }
        do {
            return try SPIFFEID(proto)
        } catch {
            throw RPCError(error, prefix: "invalid agent ID")
        }
    }

    /// A store query from SPIRE's filter (CountAgents' and ListAgents' are the same fields).
    private static func query(_ filter: some SPIREAgentFilter) throws -> AttestedNodeQuery {
        var query = AttestedNodeQuery(
            banned: filter.hasByBanned ? filter.byBanned.value : nil,
            canReattest: filter.hasByCanReattest ? filter.byCanReattest.value : nil
        )
        if !filter.byAttestationType.isEmpty { query.attestationType = filter.byAttestationType }
        let expiresBefore = filter.byExpiresBefore
        if filter.hasBySelectorMatch {
            let selectors = filter.bySelectorMatch
            do {
                query.selectors = SelectorMatch(try RegistrationEntry.parseSelectors(selectors.selectors), mode: SetMatch(selectors.match))
            } catch {
                throw RPCError(error, prefix: "failed to parse selectors")
            }
        }
        if !expiresBefore.isEmpty {
            guard let date = SPIREAgentService.parseExpiresBefore(expiresBefore) else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "by_expires_before \(EntryValidator.quoted(expiresBefore)) is not a time in SPIRE's form \"2006-01-02 15:04:05 -0700 -07\""
                )
            }
            query.certExpiresBefore = date
        }
        return query
    }

    /// A time in the form SPIRE parses `by_expires_before` with (Go's `2006-01-02 15:04:05 -0700 -07`), such as
    /// `2026-12-04 18:00:00 +0000 +00`; the trailing zone name is accepted and ignored, as Go does.
    static func parseExpiresBefore(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 3 || parts.count == 4 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":").compactMap { Int($0) }
        let zone = parts[2]
        guard date.count == 3, time.count == 3, zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
            let hours = Int(zone.dropFirst().prefix(2)), let minutes = Int(zone.suffix(2))
        else { return nil }
        var components = DateComponents()
        components.year = date[0]
        components.month = date[1]
        components.day = date[2]
        components.hour = time[0]
        components.minute = time[1]
        components.second = time[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)) ?? TimeZone(identifier: "UTC")!
        guard (1...12).contains(date[1]), (1...31).contains(date[2]), (0...23).contains(time[0]), (0...59).contains(time[1]), (0...60).contains(time[2])
        else { return nil }
        return calendar.date(from: components)
    }
}

/// The filter fields CountAgentsRequest and ListAgentsRequest share (two generated types, one shape).
protocol SPIREAgentFilter {
    var byAttestationType: String { get }
    var hasBySelectorMatch: Bool { get }
    var bySelectorMatch: Spire_Api_Types_SelectorMatch { get }
    var hasByBanned: Bool { get }
    var byBanned: Google_Protobuf_BoolValue { get }
    var hasByCanReattest: Bool { get }
    var byCanReattest: Google_Protobuf_BoolValue { get }
    var byExpiresBefore: String { get }
}

extension Spire_Api_Server_Agent_V1_CountAgentsRequest.Filter: SPIREAgentFilter {}
extension Spire_Api_Server_Agent_V1_ListAgentsRequest.Filter: SPIREAgentFilter {}

extension AttestedNode {
    /// SPIRE's API form of the node, every field set.
    var spireProto: Spire_Api_Types_Agent {
        var proto = Spire_Api_Types_Agent()
        proto.id = Spire_Api_Types_SPIFFEID(spiffeID)
        proto.attestationType = attestationType
        proto.x509SvidSerialNumber = certSerialNumber
        proto.x509SvidExpiresAt = UnixTime.clampedSeconds(certNotAfter)
        proto.selectors = selectors.map(\.spireProto)
        proto.banned = banned
        proto.canReattest = canReattest
        proto.agentVersion = agentVersion
        return proto
    }
}

extension Spire_Api_Types_Agent {
    /// The agent with only the fields `mask` names (and the ID); a `nil` mask keeps every field.
    func masked(_ mask: Spire_Api_Types_AgentMask?) -> Spire_Api_Types_Agent {
        guard let mask else { return self }
        var agent = Spire_Api_Types_Agent()
        agent.id = id
        if mask.attestationType { agent.attestationType = attestationType }
        if mask.x509SvidSerialNumber { agent.x509SvidSerialNumber = x509SvidSerialNumber }
        if mask.x509SvidExpiresAt { agent.x509SvidExpiresAt = x509SvidExpiresAt }
        if mask.selectors { agent.selectors = selectors }
        if mask.banned { agent.banned = banned }
        if mask.canReattest { agent.canReattest = canReattest }
        if mask.agentVersion { agent.agentVersion = agentVersion }
        return agent
    }
}
