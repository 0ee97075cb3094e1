import SPIFFECA
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Liveness and readiness: live when the process answers; ready when the store answers and the CA can sign.
enum Health {
    static func check(bundles: any BundleStore, authority: any TrustBundleSource, now: @Sendable () -> Date) async -> Steeple_Server_V1_HealthResponse {
        var response = Steeple_Server_V1_HealthResponse()
        response.live = true
        do {
            _ = try await bundles.countBundles()
            response.datastore = "ok"
        } catch {
            response.datastore = "datastore does not answer: \(error)"
        }
        let notAfter = authority.activeX509Validity.notAfter
        if notAfter > now() {
            response.ca = "ok"
        } else {
            response.ca = "the active X.509 authority expired at \(notAfter)"
        }
        response.ready = response.datastore == "ok" && response.ca == "ok"
        return response
    }
}
