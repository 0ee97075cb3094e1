/// A fixed SVID and fixed bundles, for example read from the files `steeple-agent api fetch x509 -write` writes,
/// or built in tests. It never rotates: prefer the Workload API's `X509Source` in services.
public struct StaticX509Source: X509SVIDSource, X509BundleSource {
    /// The SVID ``svid()`` returns.
    public var x509SVID: X509SVID
    /// The bundles ``x509Bundle(for:)`` answers from.
    public var bundles: X509BundleSet

    /// Creates a source that always presents `svid` and trusts `bundles`.
    public init(svid: X509SVID, bundles: X509BundleSet) {
        self.x509SVID = svid
        self.bundles = bundles
    }

    /// The fixed SVID.
    public func svid() -> X509SVID { x509SVID }

    /// The bundle of `trustDomain` in ``bundles``, or `nil`.
    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? { bundles.x509Bundle(for: trustDomain) }
}
