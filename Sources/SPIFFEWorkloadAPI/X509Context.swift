public import SPIFFE

/// What `FetchX509SVID` returns: this workload's X509-SVIDs and the X.509 bundles to authenticate peers with
/// (Workload API §5.2, go-spiffe's `workloadapi.X509Context`).
public struct X509Context: Sendable, Hashable {
    /// The SVIDs, never empty; the first is the default (Workload API §5.2.1). Hints, when set, are unique: of
    /// several SVIDs with one hint only the first is kept, as go-spiffe does.
    public let svids: [X509SVID]
    /// The bundle of each SVID's trust domain plus the federated bundles.
    public let bundles: X509BundleSet

    init(svids: [X509SVID], bundles: X509BundleSet) {
        precondition(!svids.isEmpty, "an X509Context holds one or more SVIDs")
        self.svids = svids
        self.bundles = bundles
    }

    /// The default SVID: the first one (Workload API §5.2.1, SPEC §6.5).
    public var defaultSVID: X509SVID { svids[0] }
}
