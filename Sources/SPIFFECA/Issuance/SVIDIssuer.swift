package import SPIFFE
package import X509

/// What the server's API handlers may ask of the CA: one typed operation per kind of credential, each taking one
/// request value and returning a credential that was checked against the SPIFFE rules before it left the CA.
/// Handlers depend on this protocol, never on authorities, keys or signing code.
package protocol SVIDIssuer: Sendable {
    /// An agent's X509-SVID, from the CSR it sent when attesting or renewing; the agent SVID TTL applies.
    func issueAgentSVID(_ request: AgentSVIDRequest) throws(CAError) -> IssuedX509SVID
    /// The server's own X509-SVID (`/spire/server`) for the key it made; the default X509-SVID TTL applies, as in SPIRE.
    func issueServerSVID(_ request: ServerSVIDRequest) throws(CAError) -> IssuedX509SVID
    /// A workload's X509-SVID, from the CSR its agent forwarded.
    func issueWorkloadX509SVID(_ request: WorkloadX509SVIDRequest) throws(CAError) -> IssuedX509SVID
    /// A workload's JWT-SVID (agents' `SignJWTSVID` and the operator's `jwt mint`).
    func issueWorkloadJWTSVID(_ request: WorkloadJWTSVIDRequest) throws(CAError) -> JWTSVID
    /// The operator's `x509 mint`: for a CSR, or with a key the CA makes and returns.
    func mintX509SVID(_ request: MintX509SVIDRequest) throws(CAError) -> MintedX509SVID
    /// The X.509 CA of a downstream server (nested servers): its chain, the new CA first.
    func signDownstreamX509CA(_ request: DownstreamX509CARequest) throws(CAError) -> [Certificate]
}

extension SVIDIssuer {
    /// Checks a CSR (DER PKCS#10 whose signature verifies with its own key) without issuing anything: attestation
    /// checks the agent's CSR before an attestor consumes a single-use credential such as a join token.
    package func checkCSR(_ der: [UInt8]) throws(CAError) {
        _ = try CertificateAuthority.publicKey(fromCSR: der)
    }
}
