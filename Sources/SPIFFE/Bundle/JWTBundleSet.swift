/// JWT bundles keyed by trust domain: the own trust domain's plus federated ones. Bundles of different trust
/// domains are never merged: a JWT-SVID is checked only against the bundle of its `sub`'s trust domain
/// (SPEC §3.3 step 4, Federation §4.2).
public struct JWTBundleSet: Sendable, Hashable, JWTBundleSource {
    private var bundles: [TrustDomain: JWTBundle]

    /// Creates a set; a later bundle for the same trust domain replaces an earlier one.
    public init(_ bundles: some Sequence<JWTBundle> = []) {
        self.bundles = [:]
        for bundle in bundles { self.bundles[bundle.trustDomain] = bundle }
    }

    /// Adds or replaces the bundle of `bundle.trustDomain`.
    public mutating func set(_ bundle: JWTBundle) { bundles[bundle.trustDomain] = bundle }

    /// Removes the bundle of `trustDomain`.
    public mutating func remove(_ trustDomain: TrustDomain) { bundles[trustDomain] = nil }

    /// The JWT bundle of `trustDomain`, or `nil`.
    public func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle? { bundles[trustDomain] }

    /// The bundles, sorted by trust domain name.
    public var all: [JWTBundle] { bundles.values.sorted { $0.trustDomain < $1.trustDomain } }

    /// The number of trust domains in the set.
    public var count: Int { bundles.count }
}

extension JWTBundleSet: JWTKeyIDLookup {
    func trustDomains(holdingKeyID keyID: String) -> [TrustDomain] {
        bundles.values.filter { $0.jwtAuthorities[keyID] != nil }.map(\.trustDomain).sorted()
    }
}
