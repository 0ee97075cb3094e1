package import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Stores attested nodes, with their node selectors (ANCHORS §1.10).
///
/// Every mutation appends one ``ChangeEvent`` per changed node in the same transaction.
package protocol AttestedNodeStore: Sendable {
    /// Creates a node record. The store sets `createdAt` from its clock.
    ///
    /// - Throws: ``DatastoreError/Code/alreadyExists`` when a node with that SPIFFE ID exists;
    ///   ``DatastoreError/Code/invalidArgument`` for an empty attestation type.
    func createNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode>

    /// Fetches a node by SPIFFE ID, or `nil` when there is none.
    func fetchNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> AttestedNode?

    /// Lists the nodes that match `query`, in SPIFFE ID order, one page at a time (`nil`: all at once).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for an empty selector filter or a bad page size.
    func listNodes(
        _ query: AttestedNodeQuery,
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<AttestedNode>

    /// Counts the nodes that match `query`.
    func countNodes(_ query: AttestedNodeQuery) async throws(DatastoreError) -> Int

    /// Replaces the node with `node.spiffeID` (renewal, serial rotation, ban, unban, new selectors), keeping its
    /// `createdAt` and its `agentVersion` (which only ``setAgentVersion(_:spiffeID:)`` writes, so that a renewal or a
    /// re-attestation from a node read earlier does not erase a report).
    ///
    /// - Throws: ``DatastoreError/Code/notFound``; ``DatastoreError/Code/invalidArgument``.
    func updateNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode>

    /// Sets the node's ``AttestedNode/agentVersion`` and nothing else, so that a report racing a renewal or a ban
    /// overwrites neither.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``; ``DatastoreError/Code/invalidArgument`` for a version over 255 bytes.
    func setAgentVersion(_ version: String, spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode>

    /// Deletes (evicts) a node and its selectors; the agent must attest again.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``.
    func deleteNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode>

    /// Deletes every node whose current SVID expired before `date`; nodes that cannot re-attest only when
    /// `includeNonReattestable` is set (they could never come back on their own otherwise). Banned nodes stay.
    ///
    /// - Returns: the deleted nodes, in SPIFFE ID order, each with its `nodeDeleted` sequence number.
    func pruneNodes(
        expiredBefore date: Date,
        includeNonReattestable: Bool
    ) async throws(DatastoreError) -> [Committed<AttestedNode>]
}

extension AttestedNodeStore {
    /// Lists the nodes that match `query`, all at once.
    package func listNodes(_ query: AttestedNodeQuery = .init()) async throws(DatastoreError) -> [AttestedNode] {
        try await listNodes(query, pagination: nil).items
    }
}
