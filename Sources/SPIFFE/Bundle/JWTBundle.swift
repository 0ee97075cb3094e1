public import X509

/// The JWT authorities (public keys by key ID) of one trust domain, used to validate JWT-SVIDs whose subject is
/// in that trust domain (SPEC §3.3).
public struct JWTBundle: Sendable, Hashable {
    /// The trust domain whose JWT-SVIDs these keys sign.
    public let trustDomain: TrustDomain
    /// The public keys, by `kid`.
    public var jwtAuthorities: [String: Certificate.PublicKey]

    /// Creates a bundle.
    public init(trustDomain: TrustDomain, jwtAuthorities: [String: Certificate.PublicKey] = [:]) {
        self.trustDomain = trustDomain
        self.jwtAuthorities = jwtAuthorities
    }
}

extension JWTBundle: JWTBundleSource {
    /// This bundle when it is of `trustDomain`, else `nil`.
    public func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle? {
        trustDomain == self.trustDomain ? self : nil
    }
}
