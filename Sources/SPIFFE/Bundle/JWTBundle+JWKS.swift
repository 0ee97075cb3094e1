extension JWTBundle {
    /// Parses a JWT bundle from a JWK Set, the form of Workload API `FetchJWTBundles` values (SPEC §4.4, §6.3).
    ///
    /// Consumer rules (SPEC §4.2, RFC 7517 §5): `keys` must be present and may be empty; a JWK is used when its
    /// `use` is absent (the plain JWKS form) or `jwt-svid`, and ignored when `use` has another value (such as
    /// `x509-svid`, so a full SPIFFE bundle also parses), when `kty` or `crv` is not understood, when an RSA modulus
    /// is under 2048 bits, or when it has no `kid`. Unknown top-level members and `spiffe_*` members are ignored.
    ///
    /// - Parameters:
    ///   - trustDomain: the trust domain the bundle belongs to; the document does not name it (SPEC §4.1).
    ///   - jwksJSON: UTF-8 JSON bytes.
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` when the document is not a JWK Set, lacks `keys`, or a used key
    ///   has broken parameters (e.g. EC coordinates shorter than the curve, RFC 7518 §6.2.1.2);
    ///   ``SPIFFEError/Code/duplicateKeyID`` when two keys share a `kid`.
    public init(trustDomain: TrustDomain, jwksJSON: some Collection<UInt8>) throws(SPIFFEError) {
        let jwks = try JWKS(json: jwksJSON)
        self.init(trustDomain: trustDomain, jwtAuthorities: try jwks.jwtAuthorities(useOptional: true))
    }

    /// The bundle as a plain RFC 7517 JWK Set, exactly as Workload API `FetchJWTBundles` serves it (SPEC §4.4):
    /// `{"keys":[{"kty":…,"kid":…,…}]}` with every key's `kid`, no `use` and no `spiffe_*` members, keys sorted by
    /// `kid`; an empty bundle is `{"keys":[]}` (py-spiffe accepts it, SPEC §7.4).
    public var jwksJSON: [UInt8] {
        let keys = jwtAuthorities.sorted { $0.key < $1.key }.map { kid, key in
            var jwk = JWK(publicKey: key)
            jwk.kid = kid
            return jwk
        }
        return JWKS(keys: keys).jsonRepresentation
    }
}
