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
        guard request.ttl >= 0 else { throw RPCError(code: .invalidArgument, message: "ttl must be positive seconds, got \(request.ttl)") }
        for name in request.dnsNames {
            do {
                try EntryValidator.validateDNSName(name)
            } catch {
                throw RPCError(code: .invalidArgument, message: error.message)
            }
        }
        var response = Steeple_Server_V1_MintX509SVIDResponse()
        if request.csr.isEmpty {
            let key = CAKeyType.ecP256.generate()
            let chain = try caCall { try core.signX509SVID(id: id, publicKey: key.publicKey, ttlSeconds: Int(request.ttl), dnsNames: request.dnsNames) }
            let svid = try caCall { try X509SVID(certificates: chain, privateKey: key) }
            response.x509SvidChain = Data(svid.chainDER)
            response.privateKeyPkcs8 = Data(svid.privateKeyDER)
        } else {
            let publicKey = try caCall { try CertificateAuthority.publicKey(fromCSR: Array(request.csr)) }
            let chain = try caCall { try core.signX509SVID(id: id, publicKey: publicKey, ttlSeconds: Int(request.ttl), dnsNames: request.dnsNames) }
            response.x509SvidChain = Data(X509Bundle(trustDomain: core.trustDomain, x509Authorities: chain).derRepresentation)
        }
        response.bundleDer = Data(core.ca.bundle.x509Bundle.derRepresentation)
        return response
    }

    /// `jwt mint`: a JWT-SVID for any ID of the trust domain.
    func mintJWTSVID(request: Steeple_Server_V1_MintJWTSVIDRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_MintJWTSVIDResponse {
        let id = try RegistrationEntry.parseID(request.spiffeID, field: "spiffeID")
        guard id.isMember(of: core.trustDomain) else {
            throw RPCError(code: .invalidArgument, message: "\(id) is not in trust domain \(core.trustDomain)")
        }
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "at least one audience is required (-audience)") }
        guard request.ttl >= 0 else { throw RPCError(code: .invalidArgument, message: "ttl must be positive seconds, got \(request.ttl)") }
        let svid = try caCall { try core.signJWTSVID(id: id, audience: request.audience, ttlSeconds: Int(request.ttl)) }
        var response = Steeple_Server_V1_MintJWTSVIDResponse()
        response.token = svid.token
        return response
    }
}

/// Runs a CA or SPIFFE call, turning its error into InvalidArgument (bad parameters) or Internal.
func caCall<T>(_ body: () throws -> T) throws(RPCError) -> T {
    do {
        return try body()
    } catch let error as CAError {
        let code: RPCError.Code = (error.code == .invalidParameters || error.code == .invalidCSR || error.code == .ttlNotHonourable) ? .invalidArgument : .internalError
        throw RPCError(code: code, message: error.message)
    } catch let error as SPIFFEError {
        throw RPCError(code: .invalidArgument, message: error.message)
    } catch let error as RPCError {
        throw error
    } catch {
        throw RPCError(code: .internalError, message: "\(error)")
    }
}

