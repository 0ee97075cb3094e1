package import GRPCCore
package import SPIFFE
package import SPIFFEWorkloadAPIProto
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An in-process Workload API (go-spiffe's `fakeworkloadapi`): serves whatever the test sets, pushes changes to
/// open streams, signs JWT-SVIDs with one key and validates them against its JWT bundles. ``FakeServer`` serves it
/// on a Unix socket.
package final class FakeWorkloadAPI: WorkloadAPI_SpiffeWorkloadAPI.SimpleServiceProtocol, Sendable {
    package let x509SVIDs = Broadcast<WorkloadAPI_X509SVIDResponse>()
    package let x509Bundles = Broadcast<WorkloadAPI_X509BundlesResponse>()
    package let jwtBundles = Broadcast<WorkloadAPI_JWTBundlesResponse>()

    private struct JWTState {
        var identities: [SPIFFEID] = []
        var key: JWTSigningKey?
        var bundles = JWTBundleSet()
        var lastRequest: WorkloadAPI_JWTSVIDRequest?
    }

    private let jwt = Mutex(JWTState())

    package init() {}

    /// Serves `svid`, with `bundle` as its trust domain's bundle, on FetchX509SVID from now on (open streams get it
    /// at once).
    package func setX509SVID(_ svid: X509SVID, bundle: X509Bundle) {
        var response = WorkloadAPI_X509SVIDResponse()
        response.svids = [Self.wireSVID(svid, bundle: bundle)]
        x509SVIDs.set(.success(response))
    }

    /// The wire form of `svid`, with `bundle` as its trust domain's bundle.
    package static func wireSVID(_ svid: X509SVID, hint: String = "", bundle: X509Bundle) -> WorkloadAPI_X509SVID {
        var item = WorkloadAPI_X509SVID()
        item.spiffeID = svid.id.string
        item.x509Svid = Data(svid.chainDER)
        item.x509SvidKey = Data(svid.privateKeyDER)
        item.bundle = Data(bundle.derRepresentation)
        item.hint = hint
        return item
    }

    /// Sets the identities FetchJWTSVID mints tokens for, signed with `key`; none means PermissionDenied.
    package func setJWTIdentities(_ identities: [SPIFFEID], key: JWTSigningKey, bundles: JWTBundleSet) {
        jwt.withLock {
            $0.identities = identities
            $0.key = key
            $0.bundles = bundles
        }
    }

    package var lastJWTSVIDRequest: WorkloadAPI_JWTSVIDRequest? { jwt.withLock { $0.lastRequest } }

    package func fetchX509SVID(
        request: WorkloadAPI_X509SVIDRequest,
        response: RPCWriter<WorkloadAPI_X509SVIDResponse>,
        context: ServerContext
    ) async throws {
        try await x509SVIDs.serve(response)
    }

    package func fetchX509Bundles(
        request: WorkloadAPI_X509BundlesRequest,
        response: RPCWriter<WorkloadAPI_X509BundlesResponse>,
        context: ServerContext
    ) async throws {
        try await x509Bundles.serve(response)
    }

    package func fetchJWTSVID(request: WorkloadAPI_JWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_JWTSVIDResponse {
        let state = jwt.withLock { state in
            state.lastRequest = request
            return state
        }
        guard !request.audience.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        let identities = request.spiffeID.isEmpty ? state.identities : state.identities.filter { $0.string == request.spiffeID }
        guard let key = state.key, !identities.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "no identity issued")
        }
        var response = WorkloadAPI_JWTSVIDResponse()
        for id in identities {
            let token = try JWTSVID.sign(
                subject: id,
                audience: request.audience,
                expiresAt: Date(timeIntervalSinceNow: 300),
                issuedAt: Date(),
                key: key
            )
            var svid = WorkloadAPI_JWTSVID()
            svid.spiffeID = id.string
            svid.svid = token.token
            response.svids.append(svid)
        }
        return response
    }

    package func fetchJWTBundles(
        request: WorkloadAPI_JWTBundlesRequest,
        response: RPCWriter<WorkloadAPI_JWTBundlesResponse>,
        context: ServerContext
    ) async throws {
        try await jwtBundles.serve(response)
    }

    package func validateJWTSVID(request: WorkloadAPI_ValidateJWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_ValidateJWTSVIDResponse {
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        guard !request.svid.isEmpty else { throw RPCError(code: .invalidArgument, message: "svid must be specified") }
        let bundles = jwt.withLock { $0.bundles }
        do {
            let svid = try JWTSVID.parseAndValidate(token: request.svid, bundles: bundles, audience: [request.audience], now: Date())
            var response = WorkloadAPI_ValidateJWTSVIDResponse()
            response.spiffeID = svid.subject.string
            return response
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
    }

    package func fetchWITSVID(request: WorkloadAPI_WITSVIDRequest, response: RPCWriter<WorkloadAPI_WITSVIDResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    package func fetchWITBundles(request: WorkloadAPI_WITBundlesRequest, response: RPCWriter<WorkloadAPI_WITBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }
}
