import GRPCCore
import SPIFFE
import SPIREAPIProto
import SteepleDatastore
import X509

/// SPIRE's server Debug API (`spire.api.server.debug.v1.Debug/GetInfo`), for local callers: the server's SVID chain
/// (up to the bundle's root), uptime, and the numbers of agents, federated bundles and entries.
struct SPIREDebugService: Spire_Api_Server_Debug_V1_Debug.SimpleServiceProtocol {
    let admin: AdminAPIService
    /// The server's current X509-SVID chain.
    let svidChain: @Sendable () -> [Certificate]
    let startedAt: ContinuousClock.Instant

    func getInfo(request _: Spire_Api_Server_Debug_V1_GetInfoRequest, context _: ServerContext) async throws -> Spire_Api_Server_Debug_V1_GetInfoResponse {
        var response = Spire_Api_Server_Debug_V1_GetInfoResponse()
        let chain = SPIREDebugChain.chain(svidChain(), authorities: admin.trustBundle.bundle.x509Authorities)
        response.svidChain = chain.map { certificate in
            let described = SPIREDebugChain.describe(certificate)
            var cert = Spire_Api_Server_Debug_V1_GetInfoResponse.Cert()
            if let id = described.id { cert.id = id }
            cert.expiresAt = described.expiresAt
            cert.subject = described.subject
            return cert
        }
        response.uptime = Int32(clamping: (ContinuousClock.now - startedAt).components.seconds)
        response.agentsCount = Int32(clamping: try await admin.nodes.countNodes(AttestedNodeQuery()))
        let bundles = try await admin.bundles.countBundles()
        let ownStored = try await admin.bundles.fetchBundle(trustDomain: admin.trustDomain) != nil
        response.federatedBundlesCount = Int32(clamping: bundles - (ownStored ? 1 : 0))
        response.entriesCount = Int32(clamping: try await admin.entryStore.countEntries(RegistrationEntryQuery()))
        return response
    }
}
