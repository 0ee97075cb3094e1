import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore

extension AdminAPIService {
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
}
