package import SPIFFE
package import X509

/// An agent X509-SVID: the ID the attestor or the node record names, and the agent's CSR (DER PKCS#10).
package struct AgentSVIDRequest: Sendable, Hashable {
    package var agentID: SPIFFEID
    package var csr: [UInt8]

    package init(agentID: SPIFFEID, csr: [UInt8]) {
        self.agentID = agentID
        self.csr = csr
    }
}

/// A downstream server's X.509 CA: its CSR (DER PKCS#10, only the key is taken) and the TTL it prefers (`nil`: this
/// server's `ca_ttl`, as SPIRE).
package struct DownstreamX509CARequest: Sendable, Hashable {
    package var csr: [UInt8]
    package var ttl: Duration?

    package init(csr: [UInt8], ttl: Duration? = nil) {
        self.csr = csr
        self.ttl = ttl
    }
}

/// The server's own X509-SVID for a key the server made (no CSR: the key never leaves the process).
package struct ServerSVIDRequest: Sendable, Hashable {
    package var publicKey: Certificate.PublicKey

    package init(publicKey: Certificate.PublicKey) {
        self.publicKey = publicKey
    }
}

/// A workload X509-SVID for a registration entry: its ID, TTL (`nil`: the server default) and DNS names, and the
/// CSR the agent forwarded.
package struct WorkloadX509SVIDRequest: Sendable, Hashable {
    package var spiffeID: SPIFFEID
    package var csr: [UInt8]
    package var ttl: Duration?
    package var dnsNames: [String]

    package init(spiffeID: SPIFFEID, csr: [UInt8], ttl: Duration? = nil, dnsNames: [String] = []) {
        self.spiffeID = spiffeID
        self.csr = csr
        self.ttl = ttl
        self.dnsNames = dnsNames
    }
}

/// A workload JWT-SVID: subject, audiences (one or more) and TTL (`nil`: the server default). The lifetime is
/// capped at the signing key's end of validity.
package struct WorkloadJWTSVIDRequest: Sendable, Hashable {
    package var spiffeID: SPIFFEID
    package var audience: [String]
    package var ttl: Duration?
    /// SPIRE's `jwt_svid_include_jti`: a unique `jti` claim (16 random bytes, base64url without padding, as SPIRE).
    package var includeJTI: Bool

    package init(spiffeID: SPIFFEID, audience: [String], ttl: Duration? = nil, includeJTI: Bool = false) {
        self.spiffeID = spiffeID
        self.audience = audience
        self.ttl = ttl
        self.includeJTI = includeJTI
    }
}

/// `x509 mint`: any workload ID of the trust domain, for a CSR or (when `csr` is `nil`) a P-256 key the CA makes.
package struct MintX509SVIDRequest: Sendable, Hashable {
    package var spiffeID: SPIFFEID
    package var csr: [UInt8]?
    package var ttl: Duration?
    package var dnsNames: [String]

    package init(spiffeID: SPIFFEID, csr: [UInt8]? = nil, ttl: Duration? = nil, dnsNames: [String] = []) {
        self.spiffeID = spiffeID
        self.csr = csr
        self.ttl = ttl
        self.dnsNames = dnsNames
    }
}
