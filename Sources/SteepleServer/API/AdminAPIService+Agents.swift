import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

extension AdminAPIService {
    func listAgents(request: Steeple_Server_V1_ListAgentsRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_ListAgentsResponse {
        var response = Steeple_Server_V1_ListAgentsResponse()
        if !request.bySpiffeID.isEmpty {
            let id = try RegistrationEntry.parseID(request.bySpiffeID, field: "spiffeID")
            guard let node = try await nodes.fetchNode(spiffeID: id) else {
                throw APIRefusal(.notFound, "no attested agent with ID \(id)")
            }
            response.agents = [node.proto]
            return response
        }
        let size = request.pageSize > 0 ? min(Int(request.pageSize), Pagination.maximumSize) : 1000
        let page = try await nodes.listNodes(query(request), pagination: Pagination(token: request.pageToken.isEmpty ? nil : request.pageToken, size: size))
        response.agents = page.items.map(\.proto)
        response.nextPageToken = page.nextToken ?? ""
        return response
    }

    func countAgents(request: Steeple_Server_V1_ListAgentsRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_CountResponse {
        var response = Steeple_Server_V1_CountResponse()
        response.count = Int64(try await nodes.countNodes(query(request)))
        return response
    }

    func evictAgent(request: Steeple_Server_V1_AgentRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_AgentResponse {
        var response = Steeple_Server_V1_AgentResponse()
        response.agent = try await evict(try RegistrationEntry.parseID(request.spiffeID, field: "spiffeID"), context: context).proto
        return response
    }

    func banAgent(request: Steeple_Server_V1_AgentRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_AgentResponse {
        var response = Steeple_Server_V1_AgentResponse()
        response.agent = try await ban(try RegistrationEntry.parseID(request.spiffeID, field: "spiffeID"), context: context).proto
        return response
    }

    /// Deletes the agent's record: it must attest again (SPIRE's `agent evict`).
    ///
    /// - Throws: ``DatastoreError/Code/notFound`` when no agent has the ID.
    func evict(_ id: SPIFFEID, context: GRPCCore.ServerContext) async throws -> AttestedNode {
        let node = try await nodes.deleteNode(spiffeID: id).value
        authentication.invalidate(agentID: id)
        changes.poke()
        // SPIRE's message and field, which its suites and operators' scripts grep for.
        logger.notice("Agent deleted", metadata: ["caller": "\(AdminCaller(context))", "spiffe_id": "\(id)"])
        return node
    }

    /// Marks the agent banned: it is refused on every call and cannot attest again until evicted.
    ///
    /// - Throws: ``APIRefusal/Reason/notFound`` when no agent has the ID.
    func ban(_ id: SPIFFEID, context: GRPCCore.ServerContext) async throws -> AttestedNode {
        guard var node = try await nodes.fetchNode(spiffeID: id) else {
            throw APIRefusal(.notFound, "no attested agent with ID \(id)")
        }
        node.banned = true
        node = try await nodes.updateNode(node).value
        authentication.invalidate(agentID: id)
        changes.poke()
        logger.notice("Agent banned", metadata: ["caller": "\(AdminCaller(context))", "spiffe_id": "\(id)"])
        return node
    }

    private func query(_ request: Steeple_Server_V1_ListAgentsRequest) -> AttestedNodeQuery {
        var query = AttestedNodeQuery()
        if !request.byAttestationType.isEmpty { query.attestationType = request.byAttestationType }
        switch request.byBanned {
        case 1: query.banned = true
        case 2: query.banned = false
        default: break
        }
        return query
    }
}
