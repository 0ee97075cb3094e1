import GRPCCore
import SPIFFE
import SPIREAPIProto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's agent Debug API (`spire.agent.debug.v1.Debug/GetInfo`) on the admin socket: the agent's own SVID chain
/// (leaf, intermediates, and the bundle's root it chains to), uptime, the last applied sync message and cache sizes.
struct AgentDebugService: Spire_Agent_Debug_V1_Debug.SimpleServiceProtocol {
    let identity: AgentIdentityHolder
    let cache: WorkloadCache
    let jwtCache: JWTSVIDCache
    let startedAt: ContinuousClock.Instant

    func getInfo(request _: Spire_Agent_Debug_V1_GetInfoRequest, context _: ServerContext) async throws -> Spire_Agent_Debug_V1_GetInfoResponse {
        var response = Spire_Agent_Debug_V1_GetInfoResponse()
        response.svidChain = chain().map(Self.cert)
        let uptime = ContinuousClock.now - startedAt
        response.uptime = Int32(clamping: uptime.components.seconds)
        let x509Count = Int32(clamping: cache.read { $0.svids.count })
        response.svidsCount = x509Count
        response.cachedX509SvidsCount = x509Count
        response.cachedJwtSvidsCount = Int32(clamping: jwtCache.count)
        response.cachedSvidstoreX509SvidsCount = 0
        response.lastSyncSuccess = cache.lastSyncSuccess.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? 0
        return response
    }

    /// The agent's chain as SPIRE's verification returns it: leaf, intermediates, then the bundle authority that
    /// issued the last of them (when the bundle holds it).
    private func chain() -> [Certificate] {
        SPIREDebugChain.chain(identity.current.chain, authorities: cache.read { $0.bundle?.x509Bundle.x509Authorities } ?? [])
    }

    private static func cert(_ certificate: Certificate) -> Spire_Agent_Debug_V1_GetInfoResponse.Cert {
        let described = SPIREDebugChain.describe(certificate)
        var cert = Spire_Agent_Debug_V1_GetInfoResponse.Cert()
        if let id = described.id { cert.id = id }
        cert.expiresAt = described.expiresAt
        cert.subject = described.subject
        return cert
    }
}
