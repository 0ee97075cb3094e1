import GRPCCore
import Logging
import SPIFFE
import SPIREAPIProto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's Delegated Identity API (`spire.api.agent.delegatedidentity.v1`) on the admin socket: an authorized
/// delegate (a node proxy) subscribes to the X509-SVIDs of other workloads, named by selectors or PID, fetches their
/// JWT-SVIDs, and follows every trust domain's bundles. Admin and downstream entries are never handed out.
struct DelegatedIdentityService: Spire_Api_Agent_Delegatedidentity_V1_DelegatedIdentity.SimpleServiceProtocol {
    let cache: WorkloadCache
    let health: AgentHealth
    let minter: JWTSVIDMinter
    let authorization: DelegateAuthorization
    let logger: Logger

    // MARK: X.509

    func subscribeToX509SVIDs(
        request: Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest,
        response: RPCWriter<Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsResponse>,
        context: ServerContext
    ) async throws {
        let delegate = try await authorization.authorize(context)
        let selectors = try await authorization.workloadSelectors(selectors: request.selectors, pid: request.pid)
        logger.debug("Subscribing to cache changes", metadata: ["delegate_selectors": "\(delegate.sorted())", "request_selectors": "\(selectors.sorted())"])
        let hold = cache.hold(selectors)
        defer { cache.release(hold) }
        try await ChangeStream.run(changes: cache.changes, to: response) { () throws(RPCError) in
            // The delegate may lose its authorization while it is subscribed.
            try authorization.authorize(selectors: delegate)
            return try x509SVIDs(for: selectors, now: Date())
        }
    }

    /// The workload's X509-SVIDs with their keys, and when to look again; nil while SVIDs the agent expects are
    /// missing. No matching entry is an empty list, not an error (the workload may get entries later).
    func x509SVIDs(for selectors: Set<String>, now: Date) throws(RPCError) -> (Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsResponse?, Date?) {
        if let disowned = health.disowned { throw RPCError(code: .unavailable, message: disowned.reason) }
        let entries = cache.matchingEntries(for: selectors).filter { !$0.admin && !$0.downstream }
        cache.demandX509SVIDs(of: entries)
        let cannotIssue = health.cannotIssueReason(now: now)
        return try cache.read { state throws(RPCError) in
            guard state.synced, state.bundle != nil else {
                if let cannotIssue { throw WorkloadAPIService.unavailable("the agent has no entries yet", cannotIssue) }
                return (nil, nil)
            }
            var message = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsResponse()
            var federatesWith = Set<TrustDomain>()
            var recheckAt: Date?
            for entry in entries {
                guard let issued = state.svids[entry.id], issued.notAfter > now else {
                    if state.refused[entry.id] != nil { continue }
                    if let cannotIssue { throw WorkloadAPIService.unavailable("no valid X509-SVID for \(entry.spiffeID)", cannotIssue) }
                    return (nil, nil)
                }
                recheckAt = min(recheckAt ?? issued.notAfter, issued.notAfter)
                var svid = Spire_Api_Types_X509SVID()
                svid.certChain = issued.certificatesDER
                svid.id = Spire_Api_Types_SPIFFEID(entry.spiffeID)
                svid.expiresAt = Int64(issued.notAfter.timeIntervalSince1970.rounded(.down))
                svid.hint = entry.hint
                var withKey = Spire_Api_Agent_Delegatedidentity_V1_X509SVIDWithKey()
                withKey.x509Svid = svid
                withKey.x509SvidKey = issued.privateKeyDER
                message.x509Svids.append(withKey)
                federatesWith.formUnion(entry.federatesWith)
            }
            message.federatesWith = federatesWith.filter { state.federatedBundles[$0] != nil }.map(\.idString).sorted()
            return (message, recheckAt)
        }
    }

    func subscribeToX509Bundles(
        request _: Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509BundlesRequest,
        response: RPCWriter<Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509BundlesResponse>,
        context: ServerContext
    ) async throws {
        let delegate = try await authorization.authorize(context)
        try await ChangeStream.run(changes: cache.changes, to: response) { () throws(RPCError) in
            try authorization.authorize(selectors: delegate)
            guard let bundles = allBundles() else { return (nil, nil) }
            var message = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509BundlesResponse()
            for bundle in bundles { message.caCertificates[bundle.trustDomain.idString] = Data(bundle.x509Bundle.derRepresentation) }
            return (message, nil)
        }
    }

    // MARK: JWT

    func fetchJWTSVIDs(
        request: Spire_Api_Agent_Delegatedidentity_V1_FetchJWTSVIDsRequest,
        context: ServerContext
    ) async throws -> Spire_Api_Agent_Delegatedidentity_V1_FetchJWTSVIDsResponse {
        guard !request.audience.isEmpty, !request.audience.contains(where: \.isEmpty) else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        _ = try await authorization.authorize(context)
        let selectors = try await authorization.workloadSelectors(selectors: request.selectors, pid: request.pid)
        if let disowned = health.disowned { throw RPCError(code: .unavailable, message: disowned.reason) }
        var message = Spire_Api_Agent_Delegatedidentity_V1_FetchJWTSVIDsResponse()
        for entry in cache.matchingEntries(for: selectors) where !entry.admin && !entry.downstream {
            let token = try await minter.token(for: entry, audience: request.audience)
            var svid = Spire_Api_Types_JWTSVID()
            svid.token = token.token
            svid.id = Spire_Api_Types_SPIFFEID(entry.spiffeID)
            svid.expiresAt = Int64(token.expiresAt.timeIntervalSince1970.rounded(.down))
            svid.issuedAt = Int64(token.issuedAt.timeIntervalSince1970.rounded(.down))
            svid.hint = entry.hint
            message.svids.append(svid)
        }
        guard !message.svids.isEmpty else {
            logger.error("No identity issued", metadata: ["request_selectors": "\(selectors.sorted())"])
            throw RPCError(code: .permissionDenied, message: "no identity issued")
        }
        return message
    }

    func subscribeToJWTBundles(
        request _: Spire_Api_Agent_Delegatedidentity_V1_SubscribeToJWTBundlesRequest,
        response: RPCWriter<Spire_Api_Agent_Delegatedidentity_V1_SubscribeToJWTBundlesResponse>,
        context: ServerContext
    ) async throws {
        let delegate = try await authorization.authorize(context)
        try await ChangeStream.run(changes: cache.changes, to: response) { () throws(RPCError) in
            try authorization.authorize(selectors: delegate)
            guard let bundles = allBundles() else { return (nil, nil) }
            var message = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToJWTBundlesResponse()
            for bundle in bundles { message.bundles[bundle.trustDomain.idString] = Data(bundle.jwtBundle.jwksJSON) }
            return (message, nil)
        }
    }

    // MARK: Shared

    /// This trust domain's bundle and every federated one the agent holds (a delegate serves many workloads, so it
    /// gets them all, as from SPIRE); nil before the agent has a bundle.
    private func allBundles() -> [SPIFFEBundle]? {
        cache.read { state in
            guard let own = state.bundle else { return nil }
            return [own] + state.federatedBundles.values.sorted { $0.trustDomain < $1.trustDomain }
        }
    }
}
