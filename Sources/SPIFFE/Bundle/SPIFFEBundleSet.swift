/// SPIFFE bundles keyed by trust domain: the own trust domain's plus federated ones, usable both to verify
/// X509-SVIDs and to validate JWT-SVIDs. Bundles of different trust domains are never merged (Federation §4.2).
public struct SPIFFEBundleSet: Sendable, Hashable {
    private var bundles: [TrustDomain: SPIFFEBundle]

    /// Creates a set; a later bundle for the same trust domain replaces an earlier one.
    public init(_ bundles: some Sequence<SPIFFEBundle> = []) {
        self.bundles = [:]
        for bundle in bundles { self.bundles[bundle.trustDomain] = bundle }
    }

    /// Adds or replaces the bundle of `bundle.trustDomain`.
    public mutating func set(_ bundle: SPIFFEBundle) { bundles[bundle.trustDomain] = bundle }

    /// Removes the bundle of `trustDomain`.
    public mutating func remove(_ trustDomain: TrustDomain) { bundles[trustDomain] = nil }

    /// The SPIFFE bundle of `trustDomain`, or `nil`.
    public func bundle(for trustDomain: TrustDomain) -> SPIFFEBundle? { bundles[trustDomain] }

    /// The bundles, sorted by trust domain name.
    public var all: [SPIFFEBundle] { bundles.values.sorted { $0.trustDomain < $1.trustDomain } }

    /// The number of trust domains in the set.
    public var count: Int { bundles.count }
}

extension SPIFFEBundleSet: X509BundleSource {
    /// The X.509 authorities of `trustDomain`, or `nil` when the set has no bundle for it.
    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? { bundles[trustDomain]?.x509Bundle }
}

extension SPIFFEBundleSet: JWTBundleSource {
    /// The JWT authorities of `trustDomain`, or `nil` when the set has no bundle for it.
    public func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle? { bundles[trustDomain]?.jwtBundle }
}

extension SPIFFEBundleSet: JWTKeyIDLookup {
    func trustDomains(holdingKeyID keyID: String) -> [TrustDomain] {
        bundles.values.filter { $0.jwtAuthorities[keyID] != nil }.map(\.trustDomain).sorted()
    }
}
