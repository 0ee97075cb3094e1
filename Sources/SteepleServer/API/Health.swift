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
    static func check(_ core: ServerCore) async -> Steeple_Server_V1_HealthResponse {
        var response = Steeple_Server_V1_HealthResponse()
        response.live = true
        do {
            _ = try await core.store.countBundles()
            response.datastore = "ok"
        } catch {
            response.datastore = "datastore does not answer: \(error)"
        }
        let authority = core.ca.certificateAuthority.x509Authority
        if authority.notAfter > core.now() {
            response.ca = "ok"
        } else {
            response.ca = "the active X.509 authority expired at \(authority.notAfter)"
        }
        response.ready = response.datastore == "ok" && response.ca == "ok"
        return response
    }
}
