import SPIFFE
import Synchronization

/// A source whose SVID and bundles a test can swap, as the Workload API does on rotation.
final class MutableX509Source: X509SVIDSource, X509BundleSource {
    private struct State {
        var svid: X509SVID
        var bundles: X509BundleSet
    }

    private let state: Mutex<State>

    init(svid: X509SVID, bundles: X509BundleSet) {
        state = Mutex(State(svid: svid, bundles: bundles))
    }

    func svid() -> X509SVID { state.withLock { $0.svid } }

    func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? {
        state.withLock { $0.bundles.x509Bundle(for: trustDomain) }
    }

    /// Presents `svid` from now on.
    func rotate(to svid: X509SVID) {
        state.withLock { $0.svid = svid }
    }
}
