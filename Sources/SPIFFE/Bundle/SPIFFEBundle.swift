public import X509

/// The SPIFFE bundle of one trust domain: its X.509 and JWT authorities plus the bundle's sequence number and
/// refresh hint (SPIFFE Trust Domain and Bundle §4, SPEC §4.1). It is the form federation exchanges.
///
/// The document does not name its trust domain, so a bundle is always kept with it (SPEC §4.1). An empty list of
/// X.509 authorities means the trust domain has no X509-SVIDs; no JWT authorities means no JWT-SVIDs (SPEC §4.2).
public struct SPIFFEBundle: Sendable, Hashable {
    /// The trust domain the authorities belong to.
    public let trustDomain: TrustDomain
    /// The CA certificates that sign the trust domain's X509-SVIDs (X509-SVID §6).
    public var x509Authorities: [Certificate]
    /// The public keys that sign the trust domain's JWT-SVIDs, by `kid` (JWT-SVID §6).
    public var jwtAuthorities: [String: Certificate.PublicKey]
    /// `spiffe_sequence`: increases whenever the contents change (§4.1.1). `nil` when not set.
    public var sequenceNumber: UInt64?
    /// `spiffe_refresh_hint`: how often consumers should poll for a new bundle (§4.1.2). `nil` when not set.
    public var refreshHint: Duration?

    /// Creates a bundle.
    public init(
        trustDomain: TrustDomain,
        x509Authorities: [Certificate] = [],
        jwtAuthorities: [String: Certificate.PublicKey] = [:],
        sequenceNumber: UInt64? = nil,
        refreshHint: Duration? = nil
    ) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
        self.jwtAuthorities = jwtAuthorities
        self.sequenceNumber = sequenceNumber
        self.refreshHint = refreshHint
    }

    /// Combines the X.509 and JWT bundles of one trust domain, with no sequence number or refresh hint.
    ///
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` when the two bundles are of different trust domains:
    ///   authorities of different trust domains are never merged (Federation §4.2).
    public init(x509Bundle: X509Bundle, jwtBundle: JWTBundle) throws(SPIFFEError) {
        guard x509Bundle.trustDomain == jwtBundle.trustDomain else {
            throw SPIFFEError(
                code: .invalidArgument,
                message: "X.509 bundle of \(x509Bundle.trustDomain) and JWT bundle of \(jwtBundle.trustDomain) cannot form one SPIFFE bundle: they must be of the same trust domain"
            )
        }
        self.init(
            trustDomain: x509Bundle.trustDomain,
            x509Authorities: x509Bundle.x509Authorities,
            jwtAuthorities: jwtBundle.jwtAuthorities
        )
    }

    /// The X.509 authorities as an ``X509Bundle``.
    public var x509Bundle: X509Bundle { X509Bundle(trustDomain: trustDomain, x509Authorities: x509Authorities) }

    /// The JWT authorities as a ``JWTBundle``.
    public var jwtBundle: JWTBundle { JWTBundle(trustDomain: trustDomain, jwtAuthorities: jwtAuthorities) }
}

extension SPIFFEBundle: X509BundleSource {
    /// The X.509 authorities when `trustDomain` is this bundle's, else `nil`.
    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? {
        trustDomain == self.trustDomain ? x509Bundle : nil
    }
}

extension SPIFFEBundle: JWTBundleSource {
    /// The JWT authorities when `trustDomain` is this bundle's, else `nil`.
    public func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle? {
        trustDomain == self.trustDomain ? jwtBundle : nil
    }
}
