/// Something that can answer "which X509-SVID should this workload present right now?": a live Workload API
/// source, or a fixed SVID (go-spiffe's `x509svid.Source`).
///
/// Callers ask again for every new connection, so a source that rotates its SVID is picked up without restarting
/// anything.
public protocol X509SVIDSource: Sendable {
    /// The SVID to present now.
    ///
    /// - Throws: when the source has no SVID (for example before its first Workload API update).
    func svid() throws -> X509SVID
}
