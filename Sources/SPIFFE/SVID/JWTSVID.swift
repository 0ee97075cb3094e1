#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JWT-SVID: a JWS-signed JWT whose `sub` is a workload's SPIFFE ID (JWT-SVID §1–3, SPEC §3).
///
/// A `JWTSVID` is only made by ``sign(subject:audience:expiresAt:issuedAt:key:extraClaims:)``,
/// ``parseAndValidate(token:bundles:audience:now:leeway:)`` or ``parseInsecure(token:audience:)``, so its header and
/// claims always have the JWT-SVID shape. Only a value from `sign` or `parseAndValidate` is authenticated.
public struct JWTSVID: Sendable, Hashable {
    /// The token in JWS compact serialization, as sent in `Authorization: Bearer <token>` (JWT-SVID §5).
    public let token: String
    /// `sub`: the workload's SPIFFE ID, always with a path (JWT-SVID §3.1).
    public let subject: SPIFFEID
    /// `aud`, as a list even when the token holds a single string (JWT-SVID §3.2).
    public let audience: [String]
    /// `exp` (JWT-SVID §3.3).
    public let expiresAt: Date
    /// `iat`, when present.
    public let issuedAt: Date?
    /// `nbf`, when present.
    public let notBefore: Date?
    /// The claims set exactly as the token carries it: UTF-8 JSON, for callers that need every claim (for example
    /// a Workload API server returning them as a `google.protobuf.Struct`, SPEC §6.3).
    public let claimsJSON: [UInt8]
    /// `kid` from the header.
    public let keyID: String
    /// `alg` from the header.
    public let algorithm: JWTAlgorithm
    /// `iss`, when the token has it as a string.
    public let issuer: String?

    init(token: String, header: JWSHeader, claims: JWTClaimSet) throws(SPIFFEError) {
        guard let expiresAt = claims.expiresAt else {
            throw SPIFFEError(code: .missingExpiry, message: "token has no \"exp\" claim: JWT-SVID §3.3 requires one")
        }
        guard claims.audience.contains(where: { !$0.isEmpty }) else {
            throw SPIFFEError(
                code: .missingAudience,
                message: "token has no \"aud\" claim or it is empty: JWT-SVID §3.2 requires one or more audiences"
            )
        }
        self.token = token
        self.subject = claims.subject
        self.audience = claims.audience
        self.expiresAt = expiresAt
        self.issuedAt = claims.issuedAt
        self.notBefore = claims.notBefore
        self.claimsJSON = claims.json
        self.keyID = header.keyID
        self.algorithm = header.algorithm
        self.issuer = claims.issuer
    }

    /// A token this process just signed, from the values it put in (no parse).
    init(signed token: String, subject: SPIFFEID, audience: [String], expiresAt: Date, issuedAt: Date?, issuer: String?, claimsJSON: [UInt8], key: JWTSigningKey) {
        self.token = token
        self.subject = subject
        self.audience = audience
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = nil
        self.claimsJSON = claimsJSON
        self.keyID = key.keyID
        self.algorithm = key.algorithm
        self.issuer = issuer
    }
}

// MARK: - Signing

extension JWTSVID {
    /// Signs a JWT-SVID the way SPIRE does (SPEC §3.4).
    ///
    /// The header is exactly `{"alg":…,"kid":…,"typ":"JWT"}`. The claims are `sub`, `aud` as a JSON array, `exp` and,
    /// when given, `iat`, both as integer seconds (SPEC §3.5; fractions are truncated), plus `extraClaims`. Every
    /// part is base64url without padding; ES signatures are raw `R ‖ S` (RFC 7518 §3.4).
    ///
    /// - Parameters:
    ///   - subject: the workload's SPIFFE ID; it must have a path (JWT-SVID §3.1, X509-SVID §3.1).
    ///   - audience: one or more non-empty audiences (JWT-SVID §3.2). One is strongly recommended (§7.2).
    ///   - expiresAt: `exp`. A caller should cap it at the signing key's own expiry, as SPIRE does.
    ///   - issuedAt: `iat`, usually now; `nil` leaves it out.
    ///   - key: the signing key; its `kid` and `alg` go in the header.
    ///   - extraClaims: more claims, such as `iss`, `jti` or `nbf`, encoded with `JSONEncoder` to a JSON object.
    ///     It must not set `sub`, `aud`, `exp` or `iat`.
    /// - Returns: the signed token and its parsed fields.
    /// - Throws: ``SPIFFEError/Code/invalidSubject`` when `subject` has no path,
    ///   ``SPIFFEError/Code/missingAudience`` when `audience` is empty, ``SPIFFEError/Code/invalidArgument`` when an
    ///   audience is an empty string, `expiresAt` is not after `issuedAt`, a date is out of range, or
    ///   `extraClaims` is not an object or sets a reserved claim.
    public static func sign(
        subject: SPIFFEID,
        audience: [String],
        expiresAt: Date,
        issuedAt: Date? = nil,
        key: JWTSigningKey,
        extraClaims: some Encodable = [String: String]()
    ) throws(SPIFFEError) -> JWTSVID {
        guard subject.hasPath else {
            throw SPIFFEError(
                code: .invalidSubject,
                message: "subject \(subject) has no path: a JWT-SVID names a workload, not a trust domain (JWT-SVID §3.1)"
            )
        }
        guard !audience.isEmpty else {
            throw SPIFFEError(code: .missingAudience, message: "audience is empty: JWT-SVID §3.2 requires one or more values")
        }
        guard !audience.contains(where: \.isEmpty) else {
            throw SPIFFEError(code: .invalidArgument, message: "audience holds an empty string: every audience must be non-empty")
        }
        // The issuer's own case, string claims (`iss`, `jti`): JSON written directly, and no parse of the result
        // (its fields are the values just written), which makes signing the cost of the signature.
        if let strings = extraClaims as? [String: String], strings["nbf"] == nil {
            return try signStringClaims(subject: subject, audience: audience, expiresAt: expiresAt, issuedAt: issuedAt, key: key, extraClaims: strings)
        }
        var claims = try extraClaimsObject(extraClaims)
        claims["sub"] = .string(subject.string)
        claims["aud"] = .array(audience.map(JSONValue.string))
        claims["exp"] = .integer(try numericDate(expiresAt, named: "expiresAt"))
        if let issuedAt {
            let iat = try numericDate(issuedAt, named: "issuedAt")
            guard case .integer(let exp) = claims["exp"], exp > iat else {
                throw SPIFFEError(code: .invalidArgument, message: "expiresAt must be at least one second after issuedAt")
            }
            claims["iat"] = .integer(iat)
        }

        let header: [String: JSONValue] = [
            "alg": .string(key.algorithm.name), "kid": .string(key.keyID), "typ": .string("JWT"),
        ]
        let signingInput = Base64URL.encode(try encodeJSON(header)) + "." + Base64URL.encode(try encodeJSON(claims))
        let signature = try key.sign(Array(signingInput.utf8))
        let token = signingInput + "." + Base64URL.encode(signature)
        // Re-parse what was produced, as SPIRE's ValidateWorkloadJWTSVID does: the result must have the JWT-SVID shape.
        return try parseInsecure(token: token, audience: audience)
    }

    /// ``sign(subject:audience:expiresAt:issuedAt:key:extraClaims:)`` for string extra claims; the checks of its
    /// arguments are the caller's.
    private static func signStringClaims(
        subject: SPIFFEID, audience: [String], expiresAt: Date, issuedAt: Date?, key: JWTSigningKey, extraClaims: [String: String]
    ) throws(SPIFFEError) -> JWTSVID {
        let reserved = extraClaims.keys.filter { ["sub", "aud", "exp", "iat"].contains($0) }.sorted()
        guard reserved.isEmpty else {
            throw SPIFFEError(code: .invalidArgument, message: "extraClaims sets \(reserved.joined(separator: ", ")): pass them as parameters instead")
        }
        let exp = try numericDate(expiresAt, named: "expiresAt")
        var members: [CompactJSON.Member] = [
            ("sub", CompactJSON.string(subject.string)), ("aud", CompactJSON.stringArray(audience)), ("exp", CompactJSON.integer(exp)),
        ]
        var iat: Int64?
        if let issuedAt {
            let seconds = try numericDate(issuedAt, named: "issuedAt")
            guard exp > seconds else {
                throw SPIFFEError(code: .invalidArgument, message: "expiresAt must be at least one second after issuedAt")
            }
            members.append(("iat", CompactJSON.integer(seconds)))
            iat = seconds
        }
        for (name, value) in extraClaims { members.append((name, CompactJSON.string(value))) }
        let claims = CompactJSON.object(members)
        let signingInput = key.encodedHeader + "." + Base64URL.encode(claims)
        let token = signingInput + "." + Base64URL.encode(try key.sign(Array(signingInput.utf8)))
        return JWTSVID(
            signed: token, subject: subject, audience: audience, expiresAt: Date(timeIntervalSince1970: TimeInterval(exp)),
            issuedAt: iat.map { Date(timeIntervalSince1970: TimeInterval($0)) }, issuer: extraClaims["iss"], claimsJSON: claims, key: key)
    }

    /// Integer seconds since the epoch (a NumericDate, RFC 7519 §2), rounded down.
    private static func numericDate(_ date: Date, named name: String) throws(SPIFFEError) -> Int64 {
        try UnixTime(date, field: name).seconds
    }

    private static func extraClaimsObject(_ extraClaims: some Encodable) throws(SPIFFEError) -> [String: JSONValue] {
        let object: [String: JSONValue]
        do {
            let data = try JSONEncoder().encode(extraClaims)
            object = try JSONDecoder().decode([String: JSONValue].self, from: data)
        } catch {
            throw SPIFFEError(code: .invalidArgument, message: "extraClaims does not encode to a JSON object", cause: error)
        }
        let reserved = object.keys.filter { ["sub", "aud", "exp", "iat"].contains($0) }.sorted()
        guard reserved.isEmpty else {
            throw SPIFFEError(
                code: .invalidArgument,
                message: "extraClaims sets \(reserved.joined(separator: ", ")): pass them as parameters instead"
            )
        }
        return object
    }

    private static func encodeJSON(_ object: [String: JSONValue]) throws(SPIFFEError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(object))
        } catch {
            throw SPIFFEError(code: .invalidArgument, message: "token JSON could not be encoded", cause: error)
        }
    }
}
