/// X.509 bundles keyed by trust domain: the own trust domain's plus federated ones. Bundles of different trust
/// domains are never merged (Federation §4.2).
public struct X509BundleSet: Sendable, Hashable, X509BundleSource {
    private var bundles: [TrustDomain: X509Bundle]

    /// Creates a set; a later bundle for the same trust domain replaces an earlier one.
    public init(_ bundles: some Sequence<X509Bundle> = []) {
        self.bundles = [:]
        for bundle in bundles { self.bundles[bundle.trustDomain] = bundle }
    }

    /// Adds or replaces the bundle of `bundle.trustDomain`.
    public mutating func set(_ bundle: X509Bundle) { bundles[bundle.trustDomain] = bundle }

    /// Removes the bundle of `trustDomain`.
    public mutating func remove(_ trustDomain: TrustDomain) { bundles[trustDomain] = nil }

    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? { bundles[trustDomain] }

    /// The bundles, sorted by trust domain name.
    public var all: [X509Bundle] { bundles.values.sorted { $0.trustDomain < $1.trustDomain } }

    /// The number of trust domains in the set.
    public var count: Int { bundles.count }
}
