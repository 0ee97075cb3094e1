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
/// is `-admin`, and a `downstream` server when such an entry is `-downstream`, as SPIRE's server decides. An ID of a
/// federated trust domain is an `admin` only when it is in `admin_ids`, and its SVID must verify against that trust
/// domain's stored bundle (SPIRE's rule for foreign admin IDs). Refusals are
/// logged (rate-limited) with the peer, the ID presented and why; the caller gets SPIRE's PermissionDenied.
struct SPIRERemoteCallerAuthenticator: Sendable {
    let trustBundle: any TrustBundleSource
    let entries: any RegistrationEntryStore
    /// Federated bundles, for admin IDs of other trust domains.
    let bundles: any BundleStore
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
        let own = trustBundle.bundle
        if let claimed = try? X509SVIDVerifier.validateShape(of: chain), claimed.trustDomain != own.trustDomain {
            return await foreignAdmin(context, chain: chain, claimed: claimed)
        }
        let id: SPIFFEID
        do {
            id = try await X509SVIDVerifier.verify(chain: chain, bundles: own, at: now()).id
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

    /// A caller whose SVID names another trust domain: an admin when the ID is in `admin_ids` and the chain verifies
    /// against that trust domain's stored bundle; nothing otherwise.
    private func foreignAdmin(_ context: ServerContext, chain: [Certificate], claimed: SPIFFEID) async -> Set<SPIREAuthorization.Caller> {
        guard adminIDs.contains(claimed) else {
            refuse(context, presented: claimed.string, reason: "an ID of another trust domain that is not in admin_ids")
            return []
        }
        let bundle: SPIFFEBundle
        do {
            guard let record = try await bundles.fetchBundle(trustDomain: claimed.trustDomain) else {
                refuse(context, presented: claimed.string, reason: "no bundle of \(claimed.trustDomain) is stored to verify the admin's SVID")
                return []
            }
            bundle = try SPIFFEBundle(trustDomain: claimed.trustDomain, json: record.document)
        } catch {
            refuse(context, presented: claimed.string, reason: "the bundle of \(claimed.trustDomain) cannot be read", detail: "\(error)")
            return []
        }
        do {
            _ = try await X509SVIDVerifier.verify(chain: chain, bundles: bundle, at: now())
        } catch {
            refuse(context, presented: claimed.string, reason: "client SVID rejected", detail: error.message)
            return []
        }
        return [.admin]
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
