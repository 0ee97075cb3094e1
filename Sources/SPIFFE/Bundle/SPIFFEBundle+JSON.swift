import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SPIFFEBundle {
    /// Parses a SPIFFE bundle document (SPIFFE Trust Domain and Bundle §4, SPEC §4.1–4.3).
    ///
    /// Consumer rules (SPEC §4.2, X509-SVID §6.2, JWT-SVID §6.2, RFC 7517 §5):
    /// - `keys` must be present; it may be empty (all keys revoked). Unknown top-level members are accepted.
    /// - A JWK with no `use`, an unknown `use`, or a `kty`/`crv` this module does not understand (or an RSA modulus
    ///   under 2048 bits) is ignored.
    /// - An `x509-svid` JWK without `x5c` or with an empty `x5c` is ignored; entries after `x5c[0]` are ignored;
    ///   one whose key parameters are not `x5c[0]`'s public key is ignored, so never trusted.
    /// - A `jwt-svid` JWK without `kid` is ignored; two with the same `kid` fail the whole bundle.
    /// - Broken key material of an understood key type fails the whole bundle rather than being skipped: EC
    ///   coordinates not at full curve length (RFC 7518 §6.2.1.2, as go-jose), bad base64, a point off the curve, an
    ///   `x5c[0]` that is not a DER certificate.
    ///
    /// - Parameters:
    ///   - trustDomain: the trust domain the bundle belongs to; the document does not name it (SPEC §4.1).
    ///   - json: UTF-8 JSON bytes.
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` or ``SPIFFEError/Code/duplicateKeyID``.
    public init(trustDomain: TrustDomain, json: some Collection<UInt8>) throws(SPIFFEError) {
        let jwks = try JWKS(json: json)
        self.init(
            trustDomain: trustDomain,
            x509Authorities: try jwks.x509Authorities(),
            jwtAuthorities: try jwks.jwtAuthorities(useOptional: false),
            sequenceNumber: jwks.sequence,
            refreshHint: jwks.refreshHint.map { .seconds($0) }
        )
    }

    /// The bundle document as compact UTF-8 JSON, following the producer rules of SPEC §4.1.
    ///
    /// X.509 authorities come first, in order, as `use: x509-svid` JWKs with exactly one `x5c` (standard base64
    /// DER) and the certificate's key parameters, and no `kid`; then JWT authorities sorted by `kid` as
    /// `use: jwt-svid` JWKs with their `kid`. EC coordinates are full curve length. `spiffe_sequence` and
    /// `spiffe_refresh_hint` are written when set; the hint is whole seconds, a fraction rounded up and a negative
    /// duration written as 0.
    public var jsonRepresentation: [UInt8] {
        var keys: [JWK] = x509Authorities.map { certificate in
            var jwk = JWK(publicKey: certificate.publicKey)
            jwk.use = JWKS.x509SVIDUse
            jwk.x5c = [Data(certificate.spiffeDERBytes).base64EncodedString()]
            return jwk
        }
        keys += jwtAuthorities.sorted { $0.key < $1.key }.map { kid, key in
            var jwk = JWK(publicKey: key)
            jwk.use = JWKS.jwtSVIDUse
            jwk.kid = kid
            return jwk
        }
        let hint = refreshHint.map { hint -> Int64 in
            let (seconds, attoseconds) = hint.components
            return max(0, attoseconds > 0 ? seconds + 1 : seconds)
        }
        return JWKS(keys: keys, sequence: sequenceNumber, refreshHint: hint).jsonRepresentation
    }
}
