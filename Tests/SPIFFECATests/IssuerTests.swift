import Crypto
import SPIFFE
@testable import SPIFFECA
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Issuer: one typed operation per credential, each validated before it leaves")
struct IssuerTests {
    static let td = CertificateAuthorityTests.td
    static let web = CertificateAuthorityTests.id
    static let now = CertificateAuthorityTests.now
    static let policy = IssuancePolicy(x509SVIDTTL: .seconds(3600), jwtSVIDTTL: .seconds(300), agentSVIDTTL: .seconds(7200), jwtIssuer: "https://oidc.example.org")

    static func makeIssuer(
        policy: IssuancePolicy = IssuerTests.policy,
        publishedKey: Certificate.PublicKey? = nil,
        jwtKeyNotAfter: Date = IssuerTests.now.addingTimeInterval(86400),
        clock: Date = IssuerTests.now
    ) throws -> Issuer {
        let jwtKey = try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "kid-1")
        return Issuer(
            x509: try CertificateAuthorityTests.makeCA(),
            jwtKey: jwtKey,
            jwtPublishedKey: publishedKey,
            jwtKeyNotAfter: jwtKeyNotAfter,
            policy: policy,
            clock: { clock }
        )
    }

    static func csr(for key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName("workload") },
            privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    @Test("agent, server, workload and minted X509-SVIDs get the policy's TTLs, the CSR's key and the right ID")
    func x509Operations() throws {
        let issuer = try Self.makeIssuer()
        let agentID = try SPIFFEID("spiffe://example.org/spire/agent/join_token/abc")
        let key = P256.Signing.PrivateKey()
        let agent = try issuer.issueAgentSVID(AgentSVIDRequest(agentID: agentID, csr: Self.csr(for: key)))
        #expect(try agent.leaf.extensions.subjectAlternativeNames == SubjectAlternativeNames([.uniformResourceIdentifier(agentID.string)]))
        #expect(try agent.leaf.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(agent.expiresAt == Self.now.addingTimeInterval(7200))

        let server = try issuer.issueServerSVID(ServerSVIDRequest(publicKey: .init(P256.Signing.PrivateKey().publicKey)))
        #expect(try server.leaf.extensions.subjectAlternativeNames == SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org/spire/server")]))
        #expect(server.expiresAt == Self.now.addingTimeInterval(3600))

        let byDefault = try issuer.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: Self.web, csr: Self.csr()))
        #expect(byDefault.expiresAt == Self.now.addingTimeInterval(3600))
        let byEntry = try issuer.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: Self.web, csr: Self.csr(), ttl: .seconds(60), dnsNames: ["web.example.org"]))
        #expect(byEntry.expiresAt == Self.now.addingTimeInterval(60))
        #expect(try byEntry.chainDER == byEntry.leaf.spiffeDERBytes)

        let minted = try issuer.mintX509SVID(MintX509SVIDRequest(spiffeID: Self.web))
        let mintedKey = try #require(minted.privateKey)
        #expect(try minted.svid.leaf.publicKey == mintedKey.publicKey)
        let forCSR = try issuer.mintX509SVID(MintX509SVIDRequest(spiffeID: Self.web, csr: Self.csr(for: key)))
        #expect(forCSR.privateKey == nil)
        #expect(try forCSR.svid.leaf.publicKey == Certificate.PublicKey(key.publicKey))
    }

    @Test("a bad CSR, an ID of another trust domain or without a path is refused with a code, nothing is signed")
    func x509Refusals() throws {
        let issuer = try Self.makeIssuer()
        var tampered = try Self.csr()
        tampered[tampered.count - 5] ^= 0xFF
        #expect(throws: CAError(.invalidCSR, "")) { try issuer.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: Self.web, csr: tampered)) }
        #expect(throws: CAError(.invalidCSR, "")) { try issuer.checkCSR([0x30, 0x00]) }
        let other = try SPIFFEID("spiffe://other.org/web")
        #expect(throws: CAError(.invalidParameters, "")) { try issuer.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: other, csr: Self.csr())) }
        #expect(throws: CAError(.invalidParameters, "")) { try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: other, audience: ["a"])) }
        #expect(throws: CAError(.invalidParameters, "")) { try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: [])) }
    }

    @Test("a JWT-SVID verifies against the published key, carries sub, aud, iss, iat and an exp capped at the key's end")
    func jwtSVID() throws {
        let issuer = try Self.makeIssuer(jwtKeyNotAfter: Self.now.addingTimeInterval(120))
        let svid = try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db", "cache"], ttl: .seconds(600)))
        let bundle = JWTBundle(trustDomain: Self.td, jwtAuthorities: ["kid-1": issuer.jwtPublishedKey])
        let parsed = try JWTSVID.parseAndValidate(token: svid.token, bundles: bundle, audience: ["db", "cache"], now: Self.now)
        #expect(parsed.subject == Self.web)
        #expect(parsed.expiresAt == Self.now.addingTimeInterval(120), "capped at the key's notAfter")
        #expect(parsed.issuedAt == Self.now)
        #expect(String(decoding: parsed.claimsJSON, as: UTF8.self).contains("\"iss\":\"https:\\/\\/oidc.example.org\"")
            || String(decoding: parsed.claimsJSON, as: UTF8.self).contains("\"iss\":\"https://oidc.example.org\""))
        var noIssuer = Self.policy
        noIssuer.jwtIssuer = nil
        let plain = try Self.makeIssuer(policy: noIssuer).issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"]))
        #expect(plain.expiresAt == Self.now.addingTimeInterval(300))
        #expect(!String(decoding: plain.claimsJSON, as: UTF8.self).contains("iss"))
    }

    @Test("jwt_svid_include_jti: each JWT-SVID carries its own jti, 16 random bytes in base64url as SPIRE's; none without it")
    func jwtID() throws {
        let issuer = try Self.makeIssuer()
        struct Claims: Decodable { let jti: String? }
        func jti(_ svid: JWTSVID) throws -> String? {
            try JSONDecoder().decode(Claims.self, from: Data(svid.claimsJSON)).jti
        }
        let request = WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"], includeJTI: true)
        let first = try #require(try jti(issuer.issueWorkloadJWTSVID(request)))
        let second = try #require(try jti(issuer.issueWorkloadJWTSVID(request)))
        #expect(first != second)
        #expect(first.count == 22 && first.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "\(first)")
        let bytes = Data(base64Encoded: first.replacing("-", with: "+").replacing("_", with: "/") + "==")
        #expect(bytes?.count == 16)
        #expect(try jti(issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"]))) == nil)
    }

    @Test("a JWT-SVID that would not verify with the published key is never released")
    func jwtSignedWithUnpublishedKey() throws {
        // The key the bundle publishes for the kid is not the key that signs (a key manager returning the wrong key,
        // a journal mix-up): every relying party would refuse the token, so the issuer refuses to release it.
        let wrong = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        let issuer = try Self.makeIssuer(publishedKey: wrong)
        let error = #expect(throws: CAError.self) { try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"])) }
        #expect(error?.code == .issuedCredentialInvalid)
        #expect(error?.message.contains("signature") == true, "\(error?.message ?? "")")
    }

    @Test("a JWT key past its end signs nothing")
    func jwtKeyExpired() throws {
        let issuer = try Self.makeIssuer(jwtKeyNotAfter: Self.now.addingTimeInterval(-1))
        #expect(throws: CAError(.authorityExpired, "")) { try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"])) }
    }

    @Test("the release check refuses a token whose sub, aud, iss or exp is not what was asked", arguments: [
        "sub", "aud", "iss", "exp-after-key", "expired",
    ])
    func jwtReleaseCheck(_ flaw: String) throws {
        let key = try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "kid-1")
        var expected = IssuedCredentialValidator.ExpectedJWT(
            id: Self.web, audience: ["db"], issuer: "https://oidc.example.org", keyIsPublished: true, keyNotAfter: Self.now.addingTimeInterval(3600)
        )
        var subject = Self.web
        var audience = ["db"]
        var expiresAt = Self.now.addingTimeInterval(300)
        var now = Self.now
        switch flaw {
        case "sub": subject = try SPIFFEID("spiffe://example.org/other")
        case "aud": audience = ["db", "extra"]
        case "iss": expected.issuer = "https://elsewhere.example.org"
        case "exp-after-key": expected.keyNotAfter = Self.now.addingTimeInterval(60)
        default: now = Self.now.addingTimeInterval(600)
        }
        let token = try JWTSVID.sign(subject: subject, audience: audience, expiresAt: expiresAt, issuedAt: Self.now, key: key, extraClaims: ["iss": "https://oidc.example.org"])
        expiresAt = token.expiresAt
        let error = #expect(throws: CAError.self) { try IssuedCredentialValidator.validateJWTSVID(token, expected: expected, now: now) }
        #expect(error?.code == .issuedCredentialInvalid, "\(flaw): \(error?.message ?? "")")
        // The same token passes when nothing is wrong with it.
        if flaw == "iss" {
            expected.issuer = "https://oidc.example.org"
            try IssuedCredentialValidator.validateJWTSVID(token, expected: expected, now: Self.now)
        }
    }

    @Test("CurrentIssuer signs with the issuer swapped in by rotation")
    func currentIssuerSwaps() throws {
        let first = try Self.makeIssuer()
        let second = try Self.makeIssuer()
        let current = CurrentIssuer(first)
        let before = try current.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: Self.web, csr: Self.csr()))
        #expect(try before.leaf.issuer == first.x509.x509Authority.certificate.subject)
        current.replace(with: second)
        let after = try current.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: Self.web, csr: Self.csr()))
        #expect(try after.leaf.extensions.authorityKeyIdentifier?.keyIdentifier == second.x509.x509Authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        let jwt = try current.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: Self.web, audience: ["db"]))
        #expect(jwt.keyID == second.jwtKey.keyID)
    }
}
