import GRPCCore
public import SPIFFE
import SPIFFEWorkloadAPIProto

extension WorkloadAPIClient {
    /// JWT-SVIDs for `audience` (`FetchJWTSVID`): one per identity of this workload, or only `subject`'s.
    ///
    /// Each token is parsed and checked for the JWT-SVID shape, for holding every requested audience and for its
    /// `sub` matching the server's `spiffe_id`; its signature is not checked, since it comes from the local
    /// Workload API (py-spiffe's `parse_insecure`, SPEC §7.4). The call is unary: it leaves no stream behind.
    ///
    /// - Parameters:
    ///   - audience: one or more non-empty audiences; all go into the tokens' `aud` (Workload API §6.2).
    ///   - subject: the identity to get a token for, or `nil` for every identity of this workload.
    /// - Throws: ``WorkloadAPIError`` with code ``WorkloadAPIError/Code/invalidRequest`` (no audience, or an empty
    ///   one), ``WorkloadAPIError/Code/permissionDenied`` (no identity, or not `subject`),
    ///   ``WorkloadAPIError/Code/invalidArgument``, ``WorkloadAPIError/Code/unavailable``,
    ///   ``WorkloadAPIError/Code/malformedResponse`` or another status code.
    public func fetchJWTSVIDs(audience: [String], subject: SPIFFEID? = nil) async throws(WorkloadAPIError) -> [JWTSVID] {
        guard !audience.isEmpty, !audience.contains(where: \.isEmpty) else {
            throw WorkloadAPIError(
                code: .invalidRequest,
                message: "audience must hold one or more non-empty values (Workload API §6.2)"
            )
        }
        var request = WorkloadAPI_JWTSVIDRequest()
        request.audience = audience
        request.spiffeID = subject?.string ?? ""
        let response: WorkloadAPI_JWTSVIDResponse
        do {
            response = try await stub.fetchJWTSVID(request)
        } catch {
            throw WorkloadAPIError.mapping(error, call: "FetchJWTSVID")
        }
        return try WorkloadAPIResponseParser.jwtSVIDs(response, audience: audience)
    }

    /// The default JWT-SVID for `audience`: the first the server returns, or `subject`'s (`FetchJWTSVID`).
    ///
    /// - Throws: as ``fetchJWTSVIDs(audience:subject:)``.
    public func fetchJWTSVID(audience: [String], subject: SPIFFEID? = nil) async throws(WorkloadAPIError) -> JWTSVID {
        try await fetchJWTSVIDs(audience: audience, subject: subject)[0]
    }

    /// The JWT bundles of the own and federated trust domains (`FetchJWTBundles`), from this client's shared
    /// `FetchJWTBundles` stream.
    ///
    /// - Throws: as ``fetchX509Context()``; ``WorkloadAPIError/Code/malformedResponse`` also for an empty map or a
    ///   value that is not a JWKS.
    public func fetchJWTBundles() async throws(WorkloadAPIError) -> JWTBundleSet {
        try await sharedJWTBundles.latest()
    }

    /// Watches `FetchJWTBundles`; see ``WorkloadAPIWatch``.
    public func watchJWTBundles() -> WorkloadAPIWatch<JWTBundleSet> {
        watch(WorkloadAPIRPC.jwtBundles(stub))
    }

    /// Has the Workload API validate `token` for `audience` (`ValidateJWTSVID`) and returns it parsed.
    ///
    /// The server does the validation (signature against its bundles, expiry, audience; JWT-SVID §4). On success
    /// the token is parsed locally and its `sub` must equal the `spiffe_id` the server returned.
    ///
    /// - Parameters:
    ///   - token: the JWT-SVID in compact serialization.
    ///   - audience: the audience this validator expects; non-empty.
    /// - Throws: ``WorkloadAPIError`` with code ``WorkloadAPIError/Code/invalidRequest`` (empty token or audience),
    ///   ``WorkloadAPIError/Code/invalidArgument`` (the server rejected the token; the message says why),
    ///   ``WorkloadAPIError/Code/unavailable``, ``WorkloadAPIError/Code/malformedResponse`` or another status code.
    public func validateJWTSVID(token: String, audience: String) async throws(WorkloadAPIError) -> JWTSVID {
        guard !token.isEmpty, !audience.isEmpty else {
            throw WorkloadAPIError(code: .invalidRequest, message: "token and audience must both be non-empty")
        }
        var request = WorkloadAPI_ValidateJWTSVIDRequest()
        request.svid = token
        request.audience = audience
        let response: WorkloadAPI_ValidateJWTSVIDResponse
        do {
            response = try await stub.validateJWTSVID(request)
        } catch {
            throw WorkloadAPIError.mapping(error, call: "ValidateJWTSVID")
        }
        return try WorkloadAPIResponseParser.jwtSVID(
            token: token,
            spiffeID: response.spiffeID,
            audience: [audience],
            what: "validated token"
        )
    }
}
