import GRPCCore
import Logging
import SPIFFE
import SPIFFEWorkloadAPIProto
import SteepleServerAPIProto
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The SPIFFE Workload API (SPEC §6) over the agent's Unix socket. Each call is attested from the caller's kernel
/// credentials; streams send the current state at once (as soon as the caller's SVIDs exist), then a complete new
/// state on every change, and end only when the caller goes away.
struct WorkloadAPIService: SpiffeWorkloadAPI.SimpleServiceProtocol {
    let cache: WorkloadCache
    let jwtCache: JWTSVIDCache
    let session: ServerSession
    let attestor: UnixWorkloadAttestor
    /// The caller of a call, from the transport.
    let caller: @Sendable (ServerContext) -> WorkloadCaller?
    let logger: Logger

    // MARK: X.509

    func fetchX509SVID(request _: X509SVIDRequest, response: RPCWriter<X509SVIDResponse>, context: ServerContext) async throws {
        let selectors = try attest(context)
        try await stream(to: response) { () throws(RPCError) -> X509SVIDResponse? in
            try x509SVIDResponse(for: selectors)
        }
    }

    func fetchX509Bundles(request _: X509BundlesRequest, response: RPCWriter<X509BundlesResponse>, context: ServerContext) async throws {
        let selectors = try attest(context)
        try await stream(to: response) { () throws(RPCError) -> X509BundlesResponse? in
            guard let (own, federated) = try bundles(for: selectors) else { return nil }
            var message = X509BundlesResponse()
            message.bundles[own.trustDomain.idString] = Data(own.x509Bundle.derRepresentation)
            for bundle in federated { message.bundles[bundle.trustDomain.idString] = Data(bundle.x509Bundle.derRepresentation) }
            return message
        }
    }

    func x509SVIDResponse(for selectors: Set<String>) throws(RPCError) -> X509SVIDResponse? {
        let entries = cache.matchingEntries(for: selectors)
        return try cache.read { state throws(RPCError) -> X509SVIDResponse? in
            guard state.synced, state.bundle != nil else { return nil }
            guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
            var message = X509SVIDResponse()
            var hints = Set<String>()
            var federatesWith = Set<TrustDomain>()
            let ownBundle = state.bundleX509DER
            for entry in entries {
                // Wait until every matching entry has its SVID, so the first message is complete (as SPIRE).
                guard let issued = state.svids[entry.id] else { return nil }
                if !entry.hint.isEmpty, !hints.insert(entry.hint).inserted { continue }
                var svid = X509SVID()
                svid.spiffeID = entry.spiffeID.string
                svid.x509Svid = Data(issued.svid.chainDER)
                svid.x509SvidKey = Data(issued.svid.privateKeyDER)
                svid.bundle = ownBundle
                svid.hint = entry.hint
                message.svids.append(svid)
                federatesWith.formUnion(entry.federatesWith)
            }
            for trustDomain in federatesWith {
                if let federated = state.federatedBundles[trustDomain] {
                    message.federatedBundles[trustDomain.idString] = Data(federated.x509Bundle.derRepresentation)
                }
            }
            return message
        }
    }

    // MARK: JWT

    func fetchJWTBundles(request _: JWTBundlesRequest, response: RPCWriter<JWTBundlesResponse>, context: ServerContext) async throws {
        let selectors = try attest(context)
        try await stream(to: response) { () throws(RPCError) -> JWTBundlesResponse? in
            guard let (own, federated) = try bundles(for: selectors) else { return nil }
            var message = JWTBundlesResponse()
            message.bundles[own.trustDomain.idString] = Data(own.jwtBundle.jwksJSON)
            for bundle in federated { message.bundles[bundle.trustDomain.idString] = Data(bundle.jwtBundle.jwksJSON) }
            return message
        }
    }

    func fetchJWTSVID(request: JWTSVIDRequest, context: ServerContext) async throws -> JWTSVIDResponse {
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
        let selectors = try attest(context)
        var entries = cache.matchingEntries(for: selectors)
        if let requested { entries = entries.filter { $0.spiffeID == requested } }
        guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
        var message = JWTSVIDResponse()
        var hints = Set<String>()
        for entry in entries {
            if !entry.hint.isEmpty, !hints.insert(entry.hint).inserted { continue }
            var svid = JWTSVID()
            svid.spiffeID = entry.spiffeID.string
            svid.svid = try await jwtToken(for: entry, audience: request.audience)
            svid.hint = entry.hint
            message.svids.append(svid)
        }
        return message
    }

    private func jwtToken(for entry: AgentEntry, audience: [String]) async throws -> String {
        let key = JWTSVIDCache.key(for: entry, audience: audience)
        if let token = jwtCache.token(for: key, now: Date()) { return token }
        do {
            let client = try await session.waitForClient(timeout: .seconds(5))
            var request = Steeple_Server_V1_SignJWTSVIDRequest()
            request.entryID = entry.id
            request.audience = audience
            let issuedAt = Date()
            let response = try await client.signJWTSVID(request: ClientRequest(message: request))
            jwtCache.store(response.token, issuedAt: issuedAt, expiresAt: Date(timeIntervalSince1970: TimeInterval(response.expiresAt)), for: key)
            return response.token
        } catch {
            throw RPCError(code: .unavailable, message: "could not fetch JWT-SVID: \(error)")
        }
    }

    func validateJWTSVID(request: ValidateJWTSVIDRequest, context: ServerContext) async throws -> ValidateJWTSVIDResponse {
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        guard !request.svid.isEmpty else { throw RPCError(code: .invalidArgument, message: "svid must be specified") }
        _ = try attest(context)
        let bundles = cache.read { state in
            JWTBundleSet(([state.bundle].compactMap { $0 } + Array(state.federatedBundles.values)).map(\.jwtBundle))
        }
        let svid: SPIFFE.JWTSVID
        do {
            svid = try SPIFFE.JWTSVID.parseAndValidate(token: request.svid, bundles: bundles, audience: [request.audience], now: Date())
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
        var message = ValidateJWTSVIDResponse()
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

    func fetchWITSVID(request _: WITSVIDRequest, response _: RPCWriter<WITSVIDResponse>, context _: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "WIT-SVIDs are not supported")
    }

    func fetchWITBundles(request _: WITBundlesRequest, response _: RPCWriter<WITBundlesResponse>, context _: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "WIT-SVIDs are not supported")
    }

    // MARK: Shared

    /// The caller's selectors; `Unavailable` when the caller cannot be attested (SPIRE's mapping).
    private func attest(_ context: ServerContext) throws(RPCError) -> Set<String> {
        guard let caller = caller(context) else {
            throw RPCError(code: .unavailable, message: "workload attestation failed: the caller's credentials are unknown")
        }
        do {
            return try attestor.selectors(for: caller)
        } catch {
            logger.warning("workload attestation failed", metadata: ["pid": "\(caller.pid)", "error": "\(error)"])
            throw RPCError(code: .unavailable, message: "workload attestation failed")
        }
    }

    /// The own bundle and the federated bundles the caller's entries federate with; nil until synced.
    private func bundles(for selectors: Set<String>) throws(RPCError) -> (SPIFFEBundle, [SPIFFEBundle])? {
        let entries = cache.matchingEntries(for: selectors)
        return try cache.read { state throws(RPCError) -> (SPIFFEBundle, [SPIFFEBundle])? in
            guard state.synced, let bundle = state.bundle else { return nil }
            guard !entries.isEmpty else { throw RPCError(code: .permissionDenied, message: "no identity issued") }
            let wanted = Set(entries.flatMap(\.federatesWith))
            return (bundle, wanted.sorted().compactMap { state.federatedBundles[$0] })
        }
    }

    /// Sends `current()` now (or as soon as it is non-nil) and again whenever it changes, until the caller cancels.
    /// A thrown error (no identity any more) ends the stream with that status.
    private func stream<Message: SwiftProtobuf.Message & Equatable>(
        to response: RPCWriter<Message>,
        _ current: @escaping @Sendable () throws(RPCError) -> Message?
    ) async throws {
        let signal = cache.changes.subscribe()
        defer { cache.changes.unsubscribe(signal) }
        try await withRPCCancellationHandler {
            var last: Message?
            while !signal.isClosed {
                if let message = try current(), message != last {
                    try await response.write(message)
                    last = message
                }
                guard await signal.wait() else { return }
            }
        } onCancelRPC: {
            signal.close()
        }
    }
}

extension TrustDomain {
    /// `spiffe://<name>`, the Workload API's map key (SPEC §6.3).
    var idString: String { "spiffe://" + name }
}
