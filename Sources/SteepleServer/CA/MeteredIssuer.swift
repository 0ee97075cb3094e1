import SPIFFE
import SPIFFECA
import SteepleTelemetry
import X509

/// The issuer the handlers hold: the CA's, counting every credential it signs under SPIRE's keys
/// (`server_ca.sign.x509_svid`, `server_ca.sign.jwt_svid`), so a dashboard's issuance rate reads the same as SPIRE's.
struct MeteredIssuer: SVIDIssuer {
    let issuer: any SVIDIssuer

    func issueAgentSVID(_ request: AgentSVIDRequest) throws(CAError) -> IssuedX509SVID {
        let issued = try issuer.issueAgentSVID(request)
        SPIREMetrics.increment("server_ca.sign.x509_svid")
        return issued
    }

    func issueServerSVID(_ request: ServerSVIDRequest) throws(CAError) -> IssuedX509SVID {
        let issued = try issuer.issueServerSVID(request)
        SPIREMetrics.increment("server_ca.sign.x509_svid")
        return issued
    }

    func issueWorkloadX509SVID(_ request: WorkloadX509SVIDRequest) throws(CAError) -> IssuedX509SVID {
        let issued = try issuer.issueWorkloadX509SVID(request)
        SPIREMetrics.increment("server_ca.sign.x509_svid")
        return issued
    }

    func issueWorkloadJWTSVID(_ request: WorkloadJWTSVIDRequest) throws(CAError) -> JWTSVID {
        let issued = try issuer.issueWorkloadJWTSVID(request)
        SPIREMetrics.increment("server_ca.sign.jwt_svid")
        return issued
    }

    func mintX509SVID(_ request: MintX509SVIDRequest) throws(CAError) -> MintedX509SVID {
        let minted = try issuer.mintX509SVID(request)
        SPIREMetrics.increment("server_ca.sign.x509_svid")
        return minted
    }

    func signDownstreamX509CA(_ request: DownstreamX509CARequest) throws(CAError) -> [Certificate] {
        let chain = try issuer.signDownstreamX509CA(request)
        SPIREMetrics.increment("server_ca.sign.x509_ca_svid")
        return chain
    }
}
