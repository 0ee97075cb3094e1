/// The server's issuance settings: default lifetimes and the JWT `iss` claim.
package struct IssuancePolicy: Sendable, Hashable {
    /// Workload X509-SVIDs whose entry gives no TTL (`default_x509_svid_ttl`).
    package var x509SVIDTTL: Duration
    /// Workload JWT-SVIDs whose entry gives no TTL (`default_jwt_svid_ttl`).
    package var jwtSVIDTTL: Duration
    /// Agent and server X509-SVIDs (`agent_ttl`).
    package var agentSVIDTTL: Duration
    /// `jwt_issuer`: the `iss` claim of JWT-SVIDs, absent when `nil`.
    package var jwtIssuer: String?
    /// `disable_jwt_svids`: no JWT-SVID is issued (workload requests fail with ``CAError/Code/jwtSVIDsDisabled``).
    package var jwtSVIDsDisabled: Bool
    /// Downstream servers' X.509 CAs that ask for no TTL (`ca_ttl`, as SPIRE).
    package var x509CATTL: Duration

    package init(
        x509SVIDTTL: Duration, jwtSVIDTTL: Duration, agentSVIDTTL: Duration, jwtIssuer: String? = nil, jwtSVIDsDisabled: Bool = false,
        x509CATTL: Duration = .seconds(86400)
    ) {
        self.x509CATTL = x509CATTL
        self.jwtSVIDsDisabled = jwtSVIDsDisabled
        self.x509SVIDTTL = x509SVIDTTL
        self.jwtSVIDTTL = jwtSVIDTTL
        self.agentSVIDTTL = agentSVIDTTL
        self.jwtIssuer = jwtIssuer
    }
}
