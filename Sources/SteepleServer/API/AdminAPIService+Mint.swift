import GRPCCore
import SPIFFE
import SPIFFECA
import SteepleDatastore
import SteepleServerAPIProto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AdminAPIService {
    /// `x509 mint`: an X509-SVID for any ID of the trust domain, with a key the server makes unless a CSR is given.
    func mintX509SVID(request: Steeple_Server_V1_MintX509SVIDRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_MintX509SVIDResponse {
        let id = try RegistrationEntry.parseID(request.spiffeID, field: "spiffeID")
        guard request.ttl >= 0 else { throw APIRefusal(.invalidRequest, "ttl must be positive seconds, got \(request.ttl)") }
        for name in request.dnsNames {
            do {
                try EntryValidator.validateDNSName(name)
            } catch {
                throw APIRefusal(.invalidRequest, error.message)
            }
        }
        let minted = try issuer.mintX509SVID(
                MintX509SVIDRequest(
                    spiffeID: id,
                    csr: request.csr.isEmpty ? nil : Array(request.csr),
                    ttl: request.ttl > 0 ? .seconds(request.ttl) : nil,
                    dnsNames: request.dnsNames
                )
            )
        var response = Steeple_Server_V1_MintX509SVIDResponse()
        if let key = minted.privateKey {
            let svid = try X509SVID(certificates: minted.svid.chain, privateKey: key)
            response.x509SvidChain = Data(svid.chainDER)
            response.privateKeyPkcs8 = Data(svid.privateKeyDER)
        } else {
            response.x509SvidChain = Data(minted.svid.chainDER)
        }
        response.bundleDer = Data(trustBundle.bundle.x509Bundle.derRepresentation)
        return response
    }

    /// `jwt mint`: a JWT-SVID for any ID of the trust domain.
    func mintJWTSVID(request: Steeple_Server_V1_MintJWTSVIDRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_MintJWTSVIDResponse {
        let id = try RegistrationEntry.parseID(request.spiffeID, field: "spiffeID")
        guard !request.audience.isEmpty else { throw APIRefusal(.invalidRequest, "at least one audience is required (-audience)") }
        guard request.ttl >= 0 else { throw APIRefusal(.invalidRequest, "ttl must be positive seconds, got \(request.ttl)") }
        let svid = try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: id, audience: request.audience, ttl: request.ttl > 0 ? .seconds(request.ttl) : nil))
        var response = Steeple_Server_V1_MintJWTSVIDResponse()
        response.token = svid.token
        return response
    }
}


