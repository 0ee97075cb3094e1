import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AgentAPIService {
    /// Entries per message of the snapshot, from the closure and as many again of the agent's own: far below gRPC's
    /// 4 MB message limit, so any number of entries syncs.
    static let snapshotPageSize = 1000

    /// Sends the agent its authorized entries and the bundles (in pages), then every change as the index applies
    /// it. Never ends on its own: only when the agent goes away (RPC cancelled) or is evicted/banned.
    func syncEntries(
        request _: Steeple_Server_V1_SyncEntriesRequest,
        response: RPCWriter<Steeple_Server_V1_SyncEntriesResponse>,
        context: GRPCCore.ServerContext
    ) async throws {
        let node = try AuthenticatedAgent.required().node
        let subscription = entries.subscribe(agentID: node.spiffeID)
        try await withRPCCancellationHandler {
            try await sendSnapshot(subscription, to: response)
            for await delta in subscription.deltas {
                if delta.revoked {
                    throw APIRefusal(.agentRevoked, "agent \(node.spiffeID) was evicted or banned")
                }
                var message = Steeple_Server_V1_SyncEntriesResponse()
                message.sequence = delta.sequence
                message.upserted = delta.upserted.map(\.proto)
                message.deletedEntryIds = delta.deletedIDs
                let federationChanged = delta.upserted.contains { !$0.federatesWith.isEmpty }
                if delta.bundlesChanged || federationChanged {
                    let needed = Set(entries.authorizedEntries(for: node.spiffeID).values.flatMap(\.federatesWith))
                    try await attachBundles(to: &message, federatesWith: needed)
                }
                try await response.write(message)
            }
        } onCancelRPC: {
            subscription.cancel()
        }
    }

    /// The snapshot, bundles attached to its first message. Nothing of it stays referenced by the stream afterwards.
    private func sendSnapshot(_ subscription: EntrySubscription, to response: RPCWriter<Steeple_Server_V1_SyncEntriesResponse>) async throws {
        guard let authorization = subscription.takeSnapshot() else {
            throw RPCError(code: .internalError, message: "the entry snapshot of this stream was already sent")
        }
        let shared = try snapshotPages.snapshot(of: authorization.closure)
        let own = authorization.ownOutsideClosure.sorted { $0.id < $1.id }
        var messages = Self.snapshotMessages(shared: shared, own: own, sequence: subscription.sequence)
        try await attachBundles(to: &messages[0], federatesWith: shared.federatesWith.union(own.flatMap(\.federatesWith)))
        for message in messages { try await response.write(message) }
    }

    /// The snapshot's messages (at least one; the last with `snapshot_complete`): message `i` holds the closure's page
    /// `i` (encoded once per closure and shared by the agents of a group, ``SnapshotPageCache``) and the `i`-th
    /// ``snapshotPageSize`` of the agent's own entries, so that no message holds more than twice that.
    static func snapshotMessages(shared: SnapshotPageCache.Snapshot, own: [RegistrationEntry], sequence: UInt64) -> [Steeple_Server_V1_SyncEntriesResponse] {
        let ownPages = stride(from: 0, to: own.count, by: snapshotPageSize).map { own[$0..<min($0 + snapshotPageSize, own.count)] }
        let count = max(shared.pages.count, ownPages.count)
        return (0..<count).map { index in
            var message = Steeple_Server_V1_SyncEntriesResponse()
            message.snapshot = true
            message.sequence = sequence
            if index < shared.pages.count { message.unknownFields = shared.pages[index].upserted }
            if index < ownPages.count { message.upserted = ownPages[index].map(\.proto) }
            message.snapshotComplete = index == count - 1
            return message
        }
    }

    /// Adds the own bundle and the federated bundles of `needed` (what the agent's entries federate with).
    private func attachBundles(to message: inout Steeple_Server_V1_SyncEntriesResponse, federatesWith needed: Set<TrustDomain>) async throws {
        message.bundle = Steeple_Server_V1_Bundle(trustBundle.bundle)
        message.activeX509AuthorityKeyID = Data(trustBundle.activeX509KeyID)
        message.taintedJwtKeyIds = trustBundle.taintedJWTKeyIDs.sorted()
        for trustDomain in needed.sorted() {
            guard let record = try await bundles.fetchBundle(trustDomain: trustDomain) else { continue }
            var bundle = Steeple_Server_V1_Bundle()
            bundle.trustDomain = trustDomain.name
            bundle.spiffeBundleJson = Data(record.document)
            bundle.sequenceNumber = record.sequenceNumber
            message.federatedBundles.append(bundle)
        }
    }
}
