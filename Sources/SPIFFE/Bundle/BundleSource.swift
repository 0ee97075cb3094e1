/// Something that can answer "which X.509 authorities does this trust domain have?": a bundle, a set of bundles,
/// or a live Workload API source.
public protocol X509BundleSource: Sendable {
    /// The X.509 bundle of `trustDomain`, or `nil` when the source has none (callers must then fail closed).
    func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle?
}

/// Something that can answer "which JWT authorities does this trust domain have?".
public protocol JWTBundleSource: Sendable {
    /// The JWT bundle of `trustDomain`, or `nil` when the source has none (callers must then fail closed).
    func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle?
}

extension X509Bundle: X509BundleSource {
    /// This bundle when it is of `trustDomain`, else `nil`.
    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? {
        trustDomain == self.trustDomain ? self : nil
    }
}
