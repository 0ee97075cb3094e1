package import SPIFFE
package import X509

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The trust domain's issuer at one moment: the active X.509 authority, the active JWT key and the issuance
/// settings. A value: rotation makes a new `Issuer` (``CurrentIssuer`` holds the one in use). Every operation
/// parses its CSR, signs, and validates the result (``IssuedCredentialValidator``) before returning it.
package struct Issuer: SVIDIssuer {
    package let x509: CertificateAuthority
    /// The JWT key that signs, and the public key the bundle publishes for its `kid`: a token that does not verify
    /// with the published key would be refused by every validator, so it is never released.
    package let jwtKey: JWTSigningKey
    package let jwtPublishedKey: Certificate.PublicKey
    /// `jwtKey`'s public key is `jwtPublishedKey`: relying parties can verify what it signs.
    let jwtKeyIsPublished: Bool
    package let jwtKeyNotAfter: Date
    package let policy: IssuancePolicy
    private let clock: @Sendable () -> Date

    package init(
        x509: CertificateAuthority,
        jwtKey: JWTSigningKey,
        jwtPublishedKey: Certificate.PublicKey? = nil,
        jwtKeyNotAfter: Date,
        policy: IssuancePolicy,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.x509 = x509
        self.jwtKey = jwtKey
        self.jwtPublishedKey = jwtPublishedKey ?? jwtKey.publicKey
        self.jwtKeyIsPublished = self.jwtPublishedKey == jwtKey.publicKey
        self.jwtKeyNotAfter = jwtKeyNotAfter
        self.policy = policy
        self.clock = clock
    }

    package var trustDomain: TrustDomain { x509.trustDomain }
    package var serverID: SPIFFEID { try! SPIFFEID(trustDomain: trustDomain, path: "/spire/server") }

    package func issueAgentSVID(_ request: AgentSVIDRequest) throws(CAError) -> IssuedX509SVID {
        try issueX509(request.agentID, csr: request.csr, ttl: policy.agentSVIDTTL, dnsNames: [])
    }

    package func issueServerSVID(_ request: ServerSVIDRequest) throws(CAError) -> IssuedX509SVID {
        try signX509(serverID, request.publicKey, ttl: policy.x509SVIDTTL, dnsNames: [])
    }

    package func issueWorkloadX509SVID(_ request: WorkloadX509SVIDRequest) throws(CAError) -> IssuedX509SVID {
        try issueX509(request.spiffeID, csr: request.csr, ttl: request.ttl ?? policy.x509SVIDTTL, dnsNames: request.dnsNames)
    }

    package func mintX509SVID(_ request: MintX509SVIDRequest) throws(CAError) -> MintedX509SVID {
        let ttl = request.ttl ?? policy.x509SVIDTTL
        if let csr = request.csr {
            return MintedX509SVID(svid: try issueX509(request.spiffeID, csr: csr, ttl: ttl, dnsNames: request.dnsNames), privateKey: nil)
        }
        let key = CAKeyType.ecP256.generate()
        let svid = try signX509(request.spiffeID, key.publicKey, ttl: ttl, dnsNames: request.dnsNames)
        return MintedX509SVID(svid: svid, privateKey: key)
    }

    package func signDownstreamX509CA(_ request: DownstreamX509CARequest) throws(CAError) -> [Certificate] {
        let publicKey = try CertificateAuthority.publicKey(fromCSR: request.csr)
        return try x509.signDownstreamX509CA(publicKey: publicKey, ttl: request.ttl ?? policy.x509CATTL, now: clock())
    }

    package func issueWorkloadJWTSVID(_ request: WorkloadJWTSVIDRequest) throws(CAError) -> JWTSVID {
        guard !policy.jwtSVIDsDisabled else {
            throw CAError(.jwtSVIDsDisabled, "JWT functionality is disabled (disable_jwt_svids = true in the server's configuration)")
        }
        let id = request.spiffeID
        guard id.isMember(of: trustDomain) else {
            throw CAError(.invalidParameters, "cannot issue a JWT-SVID for \(id): it is not in trust domain \(trustDomain)")
        }
        let ttl = request.ttl ?? policy.jwtSVIDTTL
        guard ttl > .zero else { throw CAError(.invalidParameters, "JWT-SVID TTL must be positive, got \(ttl)") }
        let now = clock()
        guard now < jwtKeyNotAfter else {
            throw CAError(.authorityExpired, "the JWT signing key expired at \(jwtKeyNotAfter)")
        }
        let expiresAt = min(now.addingTimeInterval(ttl.timeInterval), jwtKeyNotAfter)
        let svid: JWTSVID
        do {
            var extraClaims: [String: String] = [:]
            if let issuer = policy.jwtIssuer { extraClaims["iss"] = issuer }
            if request.includeJTI { extraClaims["jti"] = Self.newJTI() }
            svid = try JWTSVID.sign(subject: id, audience: request.audience, expiresAt: expiresAt, issuedAt: now, key: jwtKey, extraClaims: extraClaims)
        } catch {
            throw CAError(.invalidParameters, "cannot issue a JWT-SVID for \(id): \(error.message)", cause: error)
        }
        try IssuedCredentialValidator.validateJWTSVID(
            svid,
            expected: .init(id: id, audience: request.audience, issuer: policy.jwtIssuer, keyIsPublished: jwtKeyIsPublished, keyNotAfter: jwtKeyNotAfter),
            now: now
        )
        return svid
    }

    /// A fresh JWT ID as SPIRE makes one: the 16 bytes of a random (v4) UUID, base64url without padding.
    static func newJTI() -> String {
        withUnsafeBytes(of: UUID().uuid) { Base64URL.encode($0) }
    }

    /// The X509-SVID for the key of `csr`, once its signature verified: written from the CA's template.
    private func issueX509(_ id: SPIFFEID, csr: [UInt8], ttl: Duration, dnsNames: [String]) throws(CAError) -> IssuedX509SVID {
        try x509.issueX509SVID(forCSR: csr, spiffeID: id, ttl: ttl, dnsNames: dnsNames, now: clock())
    }

    private func signX509(_ id: SPIFFEID, _ publicKey: Certificate.PublicKey, ttl: Duration, dnsNames: [String]) throws(CAError) -> IssuedX509SVID {
        IssuedX509SVID(chain: try x509.signX509SVID(X509SVIDParameters(spiffeID: id, publicKey: publicKey, ttl: ttl, dnsNames: dnsNames), now: clock()))
    }
}
