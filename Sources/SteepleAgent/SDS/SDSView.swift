import SPIFFE

/// What one SDS caller may be served at one instant: its current X509-SVIDs (default first, none expired), this trust
/// domain's bundle and the federated bundles its entries federate with.
struct SDSView: Sendable {
    var svids: [IssuedX509SVID]
    var ownBundle: X509Bundle
    /// Sorted by trust domain name.
    var federatedBundles: [X509Bundle]
    /// True while an entry of the caller still waits for its first X509-SVID (a fetch waits for it).
    var pending = false
}
