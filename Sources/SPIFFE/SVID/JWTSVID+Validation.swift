#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension JWTSVID {
    /// The largest clock-skew leeway ``parseAndValidate(token:bundles:audience:now:leeway:)`` accepts.
    public static let maximumLeeway: Duration = .seconds(300)

    /// Parses a JWT-SVID and validates its signature and claims (JWT-SVID §4 and Appendix A, SPEC §3.3).
    ///
    /// In order:
    /// 1. The token is a JWS compact serialization: three base64url parts (JWT-SVID §1, §5.1).
    /// 2. `alg` is one of the nine JWT-SVID algorithms, checked before any other header member (§2.1, §4);
    ///    the header has only `alg`, `kid` and `typ` (§2); `typ` is absent, `JWT` or `JOSE` (§2.3); `kid` is set
    ///    (required by go-spiffe, SPIRE, py-spiffe and java-spiffe, SPEC §3.1).
    /// 3. `sub` is a SPIFFE ID with a path (§3.1).
    /// 4. The key is the authority with that `kid` in the JWT bundle of `sub`'s trust domain; its type fits `alg`
    ///    (ES256 P-256, ES384 P-384, ES512 P-521, RS*/PS* RSA), and the signature verifies (§4).
    /// 5. `exp` is present (§3.3) and not past `now - leeway`; `nbf` and `iat`, when present, are not after
    ///    `now + leeway` (go-jose's checks, SPEC §3.3 step 5).
    /// 6. `aud` is present and non-empty (§3.2) and holds **every** value of `audience`: py-spiffe's subset rule,
    ///    stricter than go-spiffe's any-of (SPEC §7.4).
    ///
    /// - Parameters:
    ///   - token: the JWS compact serialization, without a `Bearer ` prefix.
    ///   - bundles: where to find the JWT bundle of `sub`'s trust domain.
    ///   - audience: the audiences this validator expects; one or more non-empty strings.
    ///   - now: the time to check `exp`, `nbf` and `iat` against.
    ///   - leeway: the clock-skew allowance, from zero to ``maximumLeeway``; one minute by default, as go-jose.
    /// - Returns: the validated JWT-SVID.
    /// - Throws: ``SPIFFEError`` with code ``SPIFFEError/Code/invalidArgument`` (bad `audience` or `leeway`),
    ///   ``SPIFFEError/Code/malformedJWT``, ``SPIFFEError/Code/unsupportedAlgorithm``,
    ///   ``SPIFFEError/Code/unexpectedHeader``, ``SPIFFEError/Code/invalidTokenType``,
    ///   ``SPIFFEError/Code/missingKeyID``, ``SPIFFEError/Code/invalidSubject``,
    ///   ``SPIFFEError/Code/noBundleForTrustDomain``, ``SPIFFEError/Code/unknownKeyID``,
    ///   ``SPIFFEError/Code/keyIDOfOtherTrustDomain``, ``SPIFFEError/Code/keyAlgorithmMismatch``,
    ///   ``SPIFFEError/Code/invalidSignature``, ``SPIFFEError/Code/missingExpiry``,
    ///   ``SPIFFEError/Code/tokenExpired``, ``SPIFFEError/Code/tokenNotYetValid``,
    ///   ``SPIFFEError/Code/tokenIssuedInFuture``, ``SPIFFEError/Code/missingAudience`` or
    ///   ``SPIFFEError/Code/audienceMismatch``.
    public static func parseAndValidate(
        token: String,
        bundles: some JWTBundleSource,
        audience: [String],
        now: Date,
        leeway: Duration = .seconds(60)
    ) throws(SPIFFEError) -> JWTSVID {
        guard leeway >= .zero, leeway <= maximumLeeway else {
            throw SPIFFEError(code: .invalidArgument, message: "leeway is \(leeway): it must be between 0 and 5 minutes")
        }
        try checkExpectedAudience(audience)

        let jws = try JWS(compact: token)
        let claims = try JWTClaimSet(json: jws.payload)
        let trustDomain = claims.subject.trustDomain
        guard let bundle = bundles.jwtBundle(for: trustDomain) else {
            throw SPIFFEError(
                code: .noBundleForTrustDomain,
                message: "no JWT bundle for trust domain \(trustDomain) of token sub \(claims.subject)"
            )
        }
        guard let authority = bundle.jwtAuthorities[jws.header.keyID] else {
            let holders = (bundles as? any JWTKeyIDLookup)?.trustDomains(holdingKeyID: jws.header.keyID) ?? []
            if let other = holders.first(where: { $0 != trustDomain }) {
                throw SPIFFEError(
                    code: .keyIDOfOtherTrustDomain,
                    message: "token kid is an authority of trust domain \(other), not of \(trustDomain) named by its sub: bundles of different trust domains never vouch for each other"
                )
            }
            throw SPIFFEError(
                code: .unknownKeyID,
                message: "JWT bundle of trust domain \(trustDomain) has no authority with the token's kid \"\(jws.header.keyID.prefix(64))\""
            )
        }
        try jws.header.algorithm.verify(signature: jws.signature, signingInput: jws.signingInput, publicKey: authority)

        let svid = try JWTSVID(token: token, header: jws.header, claims: claims)
        try svid.checkTimes(now: now, leeway: leeway)
        try svid.checkAudience(contains: audience)
        return svid
    }

    /// Parses a JWT-SVID **without verifying its signature**.
    ///
    /// - Important: The result authenticates nothing. Anyone can forge a token that passes this call. Use it only
    ///   to read the claims of a token that arrived over an already-authenticated channel, such as a JWT-SVID the
    ///   Workload API just returned to this process (py-spiffe's `parse_insecure`, SPEC §7.4). To accept a token
    ///   from a peer, use ``parseAndValidate(token:bundles:audience:now:leeway:)``.
    ///
    /// It still checks the structure: three base64url parts, `alg` allowed (checked first), only `alg`/`kid`/`typ`
    /// in the header, `typ` absent or `JWT`/`JOSE`, `kid` set, `sub` a SPIFFE ID with a path, `exp` present, and
    /// `aud` present and holding every expected audience (JWT-SVID §2–3, SPEC §3.3, §7.4). It checks no time: not
    /// even `exp` against a clock.
    ///
    /// - Parameters:
    ///   - token: the JWS compact serialization.
    ///   - audience: the audiences the token must hold; one or more non-empty strings.
    /// - Throws: ``SPIFFEError`` with code ``SPIFFEError/Code/invalidArgument``, ``SPIFFEError/Code/malformedJWT``,
    ///   ``SPIFFEError/Code/unsupportedAlgorithm``, ``SPIFFEError/Code/unexpectedHeader``,
    ///   ``SPIFFEError/Code/invalidTokenType``, ``SPIFFEError/Code/missingKeyID``,
    ///   ``SPIFFEError/Code/invalidSubject``, ``SPIFFEError/Code/missingExpiry``,
    ///   ``SPIFFEError/Code/missingAudience`` or ``SPIFFEError/Code/audienceMismatch``.
    public static func parseInsecure(token: String, audience: [String]) throws(SPIFFEError) -> JWTSVID {
        try checkExpectedAudience(audience)
        let jws = try JWS(compact: token)
        let svid = try JWTSVID(token: token, header: jws.header, claims: try JWTClaimSet(json: jws.payload))
        try svid.checkAudience(contains: audience)
        return svid
    }

    private static func checkExpectedAudience(_ audience: [String]) throws(SPIFFEError) {
        guard !audience.isEmpty, !audience.contains(where: \.isEmpty) else {
            throw SPIFFEError(
                code: .invalidArgument,
                message: "expected audience must hold one or more non-empty values: a validator must name itself (JWT-SVID §3.2)"
            )
        }
    }

    private func checkTimes(now: Date, leeway: Duration) throws(SPIFFEError) {
        let slack = Double(leeway.components.seconds) + Double(leeway.components.attoseconds) / 1e18
        if now.addingTimeInterval(-slack) > expiresAt {
            throw SPIFFEError(code: .tokenExpired, message: "token expired at \(expiresAt), beyond the \(leeway) leeway")
        }
        if let notBefore, now.addingTimeInterval(slack) < notBefore {
            throw SPIFFEError(code: .tokenNotYetValid, message: "token is not valid before \(notBefore), beyond the \(leeway) leeway")
        }
        if let issuedAt, now.addingTimeInterval(slack) < issuedAt {
            throw SPIFFEError(code: .tokenIssuedInFuture, message: "token was issued in the future at \(issuedAt), beyond the \(leeway) leeway")
        }
    }

    private func checkAudience(contains expected: [String]) throws(SPIFFEError) {
        let missing = expected.filter { !audience.contains($0) }
        guard missing.isEmpty else {
            throw SPIFFEError(
                code: .audienceMismatch,
                message: "token aud lacks \(missing.map { "\"\($0)\"" }.joined(separator: ", ")): every expected audience must be present"
            )
        }
    }
}
