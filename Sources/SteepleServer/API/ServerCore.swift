import Logging
import SPIFFE
import SPIFFECA
import SteepleDatastore
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the API handlers share: the store, the CA, the entry index, the settings and the clock.
struct ServerCore: Sendable {
    let trustDomain: TrustDomain
    let store: any Datastore
    let ca: CAManager
    let index: EntryIndex
    let defaultX509SVIDTTL: Duration
    let defaultJWTSVIDTTL: Duration
    let agentTTL: Duration
    let jwtIssuer: String?
    let logger: Logger
    /// Refused agent credentials and attestations, logged rate-limited.
    let rejections: AgentRejectionLog
    let now: @Sendable () -> Date

    var serverID: SPIFFEID { try! SPIFFEID(trustDomain: trustDomain, path: "/spire/server") }

    var validator: EntryValidator {
        let authority = ca.certificateAuthority.x509Authority
        let lifetime = authority.notAfter.timeIntervalSince(authority.certificate.notValidBefore)
        return EntryValidator(trustDomain: trustDomain, maximumTTLSeconds: Int(lifetime))
    }

    /// Signs an X509-SVID with the active CA. TTL 0 means the server default.
    func signX509SVID(id: SPIFFEID, publicKey: Certificate.PublicKey, ttlSeconds: Int, dnsNames: [String], defaultTTL: Duration? = nil) throws -> [Certificate] {
        let ttl = ttlSeconds > 0 ? Duration.seconds(ttlSeconds) : (defaultTTL ?? defaultX509SVIDTTL)
        return try ca.certificateAuthority.signX509SVID(
            X509SVIDParameters(spiffeID: id, publicKey: publicKey, ttl: ttl, dnsNames: dnsNames),
            now: now()
        )
    }

    /// Signs a JWT-SVID with the active JWT key; the lifetime is capped at the key's end of validity.
    func signJWTSVID(id: SPIFFEID, audience: [String], ttlSeconds: Int) throws -> JWTSVID {
        let (key, keyNotAfter) = ca.jwtSigningAuthority
        let issuedAt = now()
        let ttl = ttlSeconds > 0 ? Double(ttlSeconds) : Double(defaultJWTSVIDTTL.components.seconds)
        let expiresAt = min(issuedAt.addingTimeInterval(ttl), keyNotAfter)
        if let jwtIssuer {
            return try JWTSVID.sign(subject: id, audience: audience, expiresAt: expiresAt, issuedAt: issuedAt, key: key, extraClaims: ["iss": jwtIssuer])
        }
        return try JWTSVID.sign(subject: id, audience: audience, expiresAt: expiresAt, issuedAt: issuedAt, key: key)
    }
}
