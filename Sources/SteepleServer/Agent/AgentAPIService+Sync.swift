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
    /// Entries per message of the snapshot: far below gRPC's 4 MB message limit, so any number of entries syncs.
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

    /// The snapshot in pages of ``snapshotPageSize``, the bundles and the agent's own entries with the first. The
    /// agents of one group share their closure's encoded pages (``SnapshotPageCache``); nothing of the snapshot stays
    /// referenced by the stream afterwards.
    private func sendSnapshot(_ subscription: EntrySubscription, to response: RPCWriter<Steeple_Server_V1_SyncEntriesResponse>) async throws {
        guard let authorization = subscription.takeSnapshot() else { return }
        let snapshot = try snapshotPages.snapshot(of: authorization.closure, pageSize: Self.snapshotPageSize)
        let own = authorization.ownOutsideClosure.sorted { $0.id < $1.id }
        for (index, page) in snapshot.pages.enumerated() {
            var message = Steeple_Server_V1_SyncEntriesResponse()
            message.snapshot = true
            message.sequence = subscription.sequence
            message.unknownFields = page.upserted
            if index == 0 {
                message.upserted = own.map(\.proto)
                try await attachBundles(to: &message, federatesWith: snapshot.federatesWith.union(own.flatMap(\.federatesWith)))
            }
            message.snapshotComplete = index == snapshot.pages.count - 1
            try await response.write(message)
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
