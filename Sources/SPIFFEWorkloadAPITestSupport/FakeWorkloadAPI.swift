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
package final class FakeWorkloadAPI: SpiffeWorkloadAPI.SimpleServiceProtocol, Sendable {
    package let x509SVIDs = Broadcast<X509SVIDResponse>()
    package let x509Bundles = Broadcast<X509BundlesResponse>()
    package let jwtBundles = Broadcast<JWTBundlesResponse>()

    private struct JWTState {
        var identities: [SPIFFEID] = []
        var key: JWTSigningKey?
        var bundles = JWTBundleSet()
        var lastRequest: JWTSVIDRequest?
    }

    private let jwt = Mutex(JWTState())

    package init() {}

    /// Serves `svid`, with `bundle` as its trust domain's bundle, on FetchX509SVID from now on (open streams get it
    /// at once).
    package func setX509SVID(_ svid: SPIFFE.X509SVID, bundle: X509Bundle) {
        var response = X509SVIDResponse()
        response.svids = [Self.wireSVID(svid, bundle: bundle)]
        x509SVIDs.set(.success(response))
    }

    /// The wire form of `svid`, with `bundle` as its trust domain's bundle.
    package static func wireSVID(_ svid: SPIFFE.X509SVID, hint: String = "", bundle: X509Bundle) -> SPIFFEWorkloadAPIProto.X509SVID {
        var item = SPIFFEWorkloadAPIProto.X509SVID()
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

    package var lastJWTSVIDRequest: JWTSVIDRequest? { jwt.withLock { $0.lastRequest } }

    package func fetchX509SVID(
        request: X509SVIDRequest,
        response: RPCWriter<X509SVIDResponse>,
        context: ServerContext
    ) async throws {
        try await x509SVIDs.serve(response)
    }

    package func fetchX509Bundles(
        request: X509BundlesRequest,
        response: RPCWriter<X509BundlesResponse>,
        context: ServerContext
    ) async throws {
        try await x509Bundles.serve(response)
    }

    package func fetchJWTSVID(request: JWTSVIDRequest, context: ServerContext) async throws -> JWTSVIDResponse {
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
        var response = JWTSVIDResponse()
        for id in identities {
            let token = try JWTSVID.sign(
                subject: id,
                audience: request.audience,
                expiresAt: Date(timeIntervalSinceNow: 300),
                issuedAt: Date(),
                key: key
            )
            var svid = SPIFFEWorkloadAPIProto.JWTSVID()
            svid.spiffeID = id.string
            svid.svid = token.token
            response.svids.append(svid)
        }
        return response
    }

    package func fetchJWTBundles(
        request: JWTBundlesRequest,
        response: RPCWriter<JWTBundlesResponse>,
        context: ServerContext
    ) async throws {
        try await jwtBundles.serve(response)
    }

    package func validateJWTSVID(request: ValidateJWTSVIDRequest, context: ServerContext) async throws -> ValidateJWTSVIDResponse {
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "audience must be specified") }
        guard !request.svid.isEmpty else { throw RPCError(code: .invalidArgument, message: "svid must be specified") }
        let bundles = jwt.withLock { $0.bundles }
        do {
            let svid = try JWTSVID.parseAndValidate(token: request.svid, bundles: bundles, audience: [request.audience], now: Date())
            var response = ValidateJWTSVIDResponse()
            response.spiffeID = svid.subject.string
            return response
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
    }

    package func fetchWITSVID(request: WITSVIDRequest, response: RPCWriter<WITSVIDResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    package func fetchWITBundles(request: WITBundlesRequest, response: RPCWriter<WITBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }
}
