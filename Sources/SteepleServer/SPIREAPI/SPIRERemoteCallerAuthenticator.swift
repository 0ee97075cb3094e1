import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who a caller on the TCP port is, for SPIRE's admin and downstream methods: its X509-SVID must verify against the
/// trust domain's bundle of the moment; it is an `admin` when its SPIFFE ID is in `admin_ids` or an entry with that ID
/// is `-admin`, and a `downstream` server when such an entry is `-downstream`, as SPIRE's server decides. Refusals are
/// logged (rate-limited) with the peer, the ID presented and why; the caller gets SPIRE's PermissionDenied.
struct SPIRERemoteCallerAuthenticator: Sendable {
    let trustBundle: any TrustBundleSource
    let entries: any RegistrationEntryStore
    let adminIDs: Set<SPIFFEID>
    let rejections: AgentRejectionLog
    let now: @Sendable () -> Date

    /// The roles of the caller of `context` (empty when it is neither admin nor downstream).
    func roles(_ context: ServerContext) async -> Set<SPIREAuthorization.Caller> {
        let chain = AgentAuthenticator.peerChain(context)
        guard !chain.isEmpty else {
            refuse(context, presented: nil, reason: "no client certificate")
            return []
        }
        let id: SPIFFEID
        do {
            id = try await X509SVIDVerifier.verify(chain: chain, bundles: trustBundle.bundle, at: now()).id
        } catch {
            // The key of the rate limit must be stable: the verification message carries times.
            refuse(context, presented: nil, reason: "client SVID rejected", detail: error.message)
            return []
        }
        var roles: Set<SPIREAuthorization.Caller> = adminIDs.contains(id) ? [.admin] : []
        do {
            for entry in try await entries.listEntries(RegistrationEntryQuery(spiffeID: id)) {
                if entry.admin { roles.insert(.admin) }
                if entry.downstream { roles.insert(.downstream) }
            }
        } catch {
            refuse(context, presented: id.string, reason: "the entries of the caller's ID cannot be read: \(error.message)")
            return []
        }
        if roles.isEmpty {
            refuse(context, presented: id.string, reason: "not in admin_ids and no -admin or -downstream entry has this ID")
        }
        return roles
    }

    private func refuse(_ context: ServerContext, presented: String?, reason: String, detail: String? = nil) {
        rejections.reject(
            "SPIRE API caller refused",
            key: "\(presented ?? AgentRejectionLog.host(of: context.remotePeer)) \(reason)",
            metadata: [
                "peer": "\(context.remotePeer)", "caller_id": "\(presented ?? "")",
                "reason": "\(detail.map { reason + ": " + $0 } ?? reason)",
                "method": "\(context.descriptor.fullyQualifiedMethod)",
            ])
    }
}
