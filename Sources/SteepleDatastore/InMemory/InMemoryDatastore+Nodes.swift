package import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension InMemoryDatastore: AttestedNodeStore {
    package func createNode(_ node: AttestedNode) throws(DatastoreError) -> Committed<AttestedNode> {
        let stored = try node.validatedForStorage(createdAt: now())
        let key = stored.spiffeID.string
        guard nodes[key] == nil else {
            throw .alreadyExists("node", key)
        }
        nodes[key] = stored
        sortedNodeIDsCache = nil
        return Committed(value: stored, seq: appendEvent(.nodeCreated, key))
    }

    package func fetchNode(spiffeID: SPIFFEID) -> AttestedNode? {
        nodes[spiffeID.string]
    }

    package func listNodes(
        _ query: AttestedNodeQuery,
        pagination: Pagination?
    ) throws(DatastoreError) -> Page<AttestedNode> {
        try query.validate()
        return try Pagination.page(pagination, sortedKeys: sortedNodeIDs()) { id in
            guard let node = nodes[id], query.matches(node) else { return nil }
            return node
        }
    }

    package func countNodes(_ query: AttestedNodeQuery) throws(DatastoreError) -> Int {
        try query.validate()
        return nodes.values.reduce(0) { $0 + (query.matches($1) ? 1 : 0) }
    }

    package func updateNode(_ node: AttestedNode) throws(DatastoreError) -> Committed<AttestedNode> {
        let key = node.spiffeID.string
        guard let current = nodes[key] else {
            throw .notFound("node", key)
        }
        var stored = try node.validatedForStorage(createdAt: current.createdAt)
        // The reported version is the store's, as createdAt: only setAgentVersion writes it.
        stored.agentVersion = current.agentVersion
        nodes[key] = stored
        return Committed(value: stored, seq: appendEvent(.nodeUpdated, key))
    }

    package func setAgentVersion(_ version: String, spiffeID: SPIFFEID) throws(DatastoreError) -> Committed<AttestedNode> {
        let key = spiffeID.string
        try AttestedNode.validateAgentVersion(version)
        guard var node = nodes[key] else {
            throw .notFound("node", key)
        }
        node.agentVersion = version
        nodes[key] = node
        return Committed(value: node, seq: appendEvent(.nodeUpdated, key))
    }

    package func deleteNode(spiffeID: SPIFFEID) throws(DatastoreError) -> Committed<AttestedNode> {
        let key = spiffeID.string
        guard let node = nodes.removeValue(forKey: key) else {
            throw .notFound("node", key)
        }
        sortedNodeIDsCache = nil
        return Committed(value: node, seq: appendEvent(.nodeDeleted, key))
    }

    package func pruneNodes(
        expiredBefore date: Date,
        includeNonReattestable: Bool
    ) -> [Committed<AttestedNode>] {
        let cutoff = DatastoreTime.truncated(date)
        let expired = sortedNodeIDs().filter { id in
            guard let node = nodes[id] else { return false }
            return node.certNotAfter < cutoff && !node.banned && (node.canReattest || includeNonReattestable)
        }
        guard !expired.isEmpty else { return [] }
        sortedNodeIDsCache = nil
        return expired.compactMap { id in
            nodes.removeValue(forKey: id).map { Committed(value: $0, seq: appendEvent(.nodeDeleted, id)) }
        }
    }
}
