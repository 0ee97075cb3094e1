import GRPCCore
import Logging
import SPIFFE
import SPIFFEWorkloadAPIProto
import SteepleServerAPIProto
import SwiftProtobuf
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The SPIFFE Workload API (SPEC §6) over the agent's Unix socket. Each call is attested from the caller's kernel
/// credentials; streams send the current state at once (as soon as the caller's SVIDs exist), then a complete new
/// state on every change, and end only when the caller goes away.
struct WorkloadAPIService: WorkloadAPI_SpiffeWorkloadAPI.SimpleServiceProtocol {
    let cache: WorkloadCache
    let jwtCache: JWTSVIDCache
    let session: ServerSession
    let health: AgentHealth
    let attestor: WorkloadAttestor
    /// SPIRE's `allow_unauthenticated_verifiers`: bundle streams also serve callers that match no entry (this trust
    /// domain's bundle only); otherwise those get PermissionDenied "no identity issued", as in SPIRE.
    var allowUnauthenticatedVerifiers = false
    /// The caller of a call, from the transport.
    let caller: @Sendable (ServerContext) -> WorkloadCaller?
    let logger: Logger

    // MARK: X.509

    func fetchX509SVID(request _: WorkloadAPI_X509SVIDRequest, response: RPCWriter<WorkloadAPI_X509SVIDResponse>, context: ServerContext) async throws {
        let selectors = try await attest(context)
        // The caller's SVIDs stay cached while it listens, however small the cache.
        let hold = cache.hold(selectors)
        defer { cache.release(hold) }
        try await stream(to: response) { () throws(RPCError) -> (WorkloadAPI_X509SVIDResponse?, Date?) in
            try x509SVIDResponse(for: selectors, now: Date())
        }
    }

    func fetchX509Bundles(request _: WorkloadAPI_X509BundlesRequest, response: RPCWriter<WorkloadAPI_X509BundlesResponse>, context: ServerContext) async throws {
        let selectors = try await attest(context)
        try await stream(to: response) { () throws(RPCError) -> (WorkloadAPI_X509BundlesResponse?, Date?) in
            guard let (own, federated) = try bundles(for: selectors) else { return (nil, nil) }
            var message = WorkloadAPI_X509BundlesResponse()
            message.bundles[own.trustDomain.idString] = Data(own.x509Bundle.derRepresentation)
            for bundle in federated { message.bundles[bundle.trustDomain.idString] = Data(bundle.x509Bundle.derRepresentation) }
            return (message, nil)
        }
    }

    /// The caller's X509-SVIDs, and when to look again (the earliest expiry among them); nil while SVIDs the agent
    /// expects to get are missing. Never an expired SVID: one past its notAfter counts as missing, and when the agent
    /// cannot get a missing one (server unreachable, disowned, issuance stuck) the call fails with `Unavailable`
    /// naming why, instead of waiting for the caller's deadline. Entries the server refused are left out, so one bad
    /// entry does not hold back the caller's other identities.
    func x509SVIDResponse(for selectors: Set<String>, now: Date) throws(RPCError) -> (WorkloadAPI_X509SVIDResponse?, Date?) {
        try refuseIfDisowned()
        let entries = cache.matchingEntries(for: selectors)
        cache.demandX509SVIDs(of: entries)
        let cannotIssue = health.cannotIssueReason(now: now)
        return try cache.read { state throws(RPCError) -> (WorkloadAPI_X509SVIDResponse?, Date?) in
            guard state.synced, state.bundle != nil else {
                if let cannotIssue { throw Self.unavailable("the agent has no entries yet", cannotIssue) }
                return (nil, nil)
            }
            guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
            var message = WorkloadAPI_X509SVIDResponse()
            var hints = Set<String>()
            var federatesWith = Set<TrustDomain>()
            var recheckAt: Date?
            var refusals: [String] = []
            let ownBundle = state.bundleX509DER
            for entry in entries {
                guard let issued = state.svids[entry.id], issued.notAfter > now else {
                    if let refusal = state.refused[entry.id] {
                        refusals.append("\(entry.spiffeID): \(refusal.reason)")
                        continue
                    }
                    // Wait until every matching entry has its SVID, so the first message is complete (as SPIRE),
                    // unless it cannot come.
                    if let cannotIssue { throw Self.unavailable("no valid X509-SVID for \(entry.spiffeID)", cannotIssue) }
                    return (nil, nil)
                }
                let expiry = issued.notAfter
                recheckAt = min(recheckAt ?? expiry, expiry)
                if !entry.hint.isEmpty, !hints.insert(entry.hint).inserted { continue }
                var svid = WorkloadAPI_X509SVID()
                svid.spiffeID = entry.spiffeID.string
                svid.x509Svid = issued.chainDER
                svid.x509SvidKey = issued.privateKeyDER
                svid.bundle = ownBundle
                svid.hint = entry.hint
                message.svids.append(svid)
                federatesWith.formUnion(entry.federatesWith)
            }
            guard !message.svids.isEmpty else {
                throw RPCError(code: .unavailable, message: "the server refused to issue this workload's X509-SVIDs: \(refusals.joined(separator: "; "))")
            }
            for trustDomain in federatesWith {
                if let federated = state.federatedBundles[trustDomain] {
                    message.federatedBundles[trustDomain.idString] = Data(federated.x509Bundle.derRepresentation)
                }
            }
            return (message, recheckAt)
        }
    }

    static func unavailable(_ what: String, _ why: String) -> RPCError {
        RPCError(code: .unavailable, message: "\(what): \(why)")
    }

    /// `Unavailable` for every call once the agent is disowned (banned, or evicted without a way back): nothing it
    /// held may be served.
    private func refuseIfDisowned() throws(RPCError) {
        if let disowned = health.disowned {
            throw RPCError(code: .unavailable, message: disowned.reason)
        }
    }

    // MARK: JWT

    func fetchJWTBundles(request _: WorkloadAPI_JWTBundlesRequest, response: RPCWriter<WorkloadAPI_JWTBundlesResponse>, context: ServerContext) async throws {
        let selectors = try await attest(context)
        try await stream(to: response) { () throws(RPCError) -> (WorkloadAPI_JWTBundlesResponse?, Date?) in
            guard let (own, federated) = try bundles(for: selectors) else { return (nil, nil) }
            var message = WorkloadAPI_JWTBundlesResponse()
            message.bundles[own.trustDomain.idString] = Data(own.jwtBundle.jwksJSON)
            for bundle in federated { message.bundles[bundle.trustDomain.idString] = Data(bundle.jwtBundle.jwksJSON) }
            return (message, nil)
        }
    }

    func fetchJWTSVID(request: WorkloadAPI_JWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_JWTSVIDResponse {
        guard !request.audience.isEmpty, !request.audience.contains(where: \.isEmpty) else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        var requested: SPIFFEID?
        if !request.spiffeID.isEmpty {
            do {
                requested = try SPIFFEID(request.spiffeID)
            } catch {
                throw RPCError(code: .invalidArgument, message: "invalid requested SPIFFE ID: \(error.message)")
            }
        }
        let selectors = try await attest(context)
        try refuseIfDisowned()
        var entries = cache.matchingEntries(for: selectors)
        if let requested { entries = entries.filter { $0.spiffeID == requested } }
        guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
        var message = WorkloadAPI_JWTSVIDResponse()
        var hints = Set<String>()
        for entry in entries {
            if !entry.hint.isEmpty, !hints.insert(entry.hint).inserted { continue }
            var svid = WorkloadAPI_JWTSVID()
            svid.spiffeID = entry.spiffeID.string
            let minted = try await JWTSVIDMinter(cache: jwtCache, session: session, health: health).token(for: entry, audience: request.audience)
            svid.svid = minted.token
            svid.hint = entry.hint
            message.svids.append(svid)
            // SPIRE's line and fields (its integration suites grep the log for them at debug level).
            logger.debug("Fetched JWT SVID", metadata: [
                "method": "FetchJWTSVID", "service": "WorkloadAPI", "registered": "true", "spiffe_id": "\(entry.spiffeID)",
                "ttl": "\(minted.expiresAt.timeIntervalSinceNow.rounded())",
            ])
        }
        return message
    }

    func validateJWTSVID(request: WorkloadAPI_ValidateJWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_ValidateJWTSVIDResponse {
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        guard !request.svid.isEmpty else { throw RPCError(code: .invalidArgument, message: "svid must be specified") }
        let selectors = try await attest(context)
        try refuseIfDisowned()
        // As SPIRE: any caller may validate (no identity needed), against this trust domain's keys and those of the
        // trust domains its entries federate with.
        let federatesWith = Set(cache.matchingEntries(for: selectors).flatMap(\.federatesWith))
        let bundles = cache.read { state in
            JWTBundleSet(([state.bundle].compactMap { $0 } + federatesWith.sorted().compactMap { state.federatedBundles[$0] }).map(\.jwtBundle))
        }
        let svid: JWTSVID
        do {
            svid = try JWTSVID.parseAndValidate(token: request.svid, bundles: bundles, audience: [request.audience], now: Date())
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
        var message = WorkloadAPI_ValidateJWTSVIDResponse()
        message.spiffeID = svid.subject.string
        do {
            var claims = try Google_Protobuf_Struct(jsonUTF8Bytes: svid.claimsJSON)
            // SPIRE always returns `aud` as a list; for tokens of other trust domains it keeps only sub, aud and exp.
            claims.fields["aud"] = Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: svid.audience.map { Google_Protobuf_Value(stringValue: $0) }))
            if svid.subject.trustDomain != cache.trustDomain {
                claims.fields = claims.fields.filter { ["sub", "aud", "exp"].contains($0.key) }
            }
            message.claims = claims
        } catch {
            throw RPCError(code: .unavailable, message: "could not serialize response: \(error)")
        }
        return message
    }

    // MARK: WIT (incubating; SPEC §6.6: Unimplemented when unsupported)

    func fetchWITSVID(request _: WorkloadAPI_WITSVIDRequest, response _: RPCWriter<WorkloadAPI_WITSVIDResponse>, context _: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "WIT-SVIDs are not supported")
    }

    func fetchWITBundles(request _: WorkloadAPI_WITBundlesRequest, response _: RPCWriter<WorkloadAPI_WITBundlesResponse>, context _: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "WIT-SVIDs are not supported")
    }

    // MARK: Shared

    /// The caller's selectors; `Unavailable` when the caller cannot be attested (SPIRE's mapping).
    private func attest(_ context: ServerContext) async throws(RPCError) -> Set<String> {
        try await WorkloadCallerAttestation(attestor: attestor, caller: caller, logger: logger).selectors(context)
    }

    /// The own bundle and the federated bundles the caller's entries federate with; nil until synced (or
    /// `Unavailable` when the agent cannot sync).
    private func bundles(for selectors: Set<String>) throws(RPCError) -> (SPIFFEBundle, [SPIFFEBundle])? {
        let now = Date()
        try refuseIfDisowned()
        let entries = cache.matchingEntries(for: selectors)
        let cannotSync = health.cannotIssueReason(now: now)
        return try cache.read { state throws(RPCError) -> (SPIFFEBundle, [SPIFFEBundle])? in
            guard state.synced, let bundle = state.bundle else {
                if let cannotSync { throw Self.unavailable("the agent has no entries yet", cannotSync) }
                return nil
            }
            guard !entries.isEmpty || allowUnauthenticatedVerifiers else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
            let wanted = Set(entries.flatMap(\.federatesWith))
            return (bundle, wanted.sorted().compactMap { state.federatedBundles[$0] })
        }
    }

    private func stream<Message: SwiftProtobuf.Message & Equatable>(
        to response: RPCWriter<Message>,
        _ current: @escaping @Sendable () throws(RPCError) -> (Message?, Date?)
    ) async throws {
        try await ChangeStream.run(changes: cache.changes, to: response, current)
    }
}

extension TrustDomain {
    /// `spiffe://<name>`, the Workload API's map key (SPEC §6.3).
    var idString: String { "spiffe://" + name }
}
