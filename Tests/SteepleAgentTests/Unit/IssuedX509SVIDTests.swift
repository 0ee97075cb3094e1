import Foundation
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent
import Testing
import X509

/// The agent keeps a cached X509-SVID as its encodings and a few facts instead of the parsed ``X509SVID``: what it
/// serves from them must be what the parsed SVID gives, and the rotator's issuer checks must answer as before.
@Suite("Cached X509-SVID (compact form)")
struct IssuedX509SVIDTests {
    let trustDomain = try! TrustDomain("example.org")

    func issued(_ svid: X509SVID, authorities: [Certificate] = []) -> IssuedX509SVID {
        IssuedX509SVID(entryID: "e", svid: svid, shape: .init(spiffeID: svid.id, dnsNames: [], ttl: 0, revision: 0), rotateAt: Date() + 60,
                       authorities: authorities.map { (certificate: $0, der: $0.spiffeDERBytes) })
    }

    func bundle(_ authorities: [Certificate]) throws -> SPIFFEBundle {
        try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: authorities), jwtBundle: JWTBundle(trustDomain: trustDomain))
    }

    @Test("what workloads, Envoy and delegates are served equals the parsed SVID's, for a leaf alone and under an intermediate")
    func servedForms() throws {
        let root = TestCA(trustDomain: trustDomain)
        for ca in [root, root.intermediate()] {
            var svid = ca.makeSVID(try SPIFFEID("spiffe://example.org/web"))
            svid.hint = "internal"
            let cached = issued(svid)
            #expect(cached.spiffeID == svid.id)
            #expect(cached.hint == "internal")
            #expect(Array(cached.chainDER) == svid.chainDER)
            #expect(Array(cached.privateKeyDER) == svid.privateKeyDER)
            #expect(cached.notAfter == svid.leaf.notValidAfter)
            #expect(cached.certificatesDER.map(Array.init) == svid.certificates.map(\.spiffeDERBytes))
            #expect(cached.chainPEM == svid.chainPEM)
            #expect(cached.privateKeyPEM == svid.privateKeyPEM)
            #expect(try cached.x509SVID() == svid)
            #expect(try cached.x509SVID().hint == "internal")
            #expect(cached.leafAuthorityKeyID == Array(try #require(try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)))
        }
    }

    @Test("the issuer found on arrival is remembered only when it signed the chain's last certificate")
    func rememberedIssuer() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let other = TestCA(trustDomain: trustDomain)
        let svid = ca.makeSVID(try SPIFFEID("spiffe://example.org/web"))
        #expect(issued(svid, authorities: [other.certificate, ca.certificate]).issuerAuthorityDER == ca.certificate.spiffeDERBytes)
        #expect(issued(svid, authorities: [other.certificate]).issuerAuthorityDER == nil)
        #expect(issued(svid).issuerAuthorityDER == nil)
        let underIntermediate = ca.intermediate().makeSVID(try SPIFFEID("spiffe://example.org/web"))
        #expect(issued(underIntermediate, authorities: [ca.certificate]).issuerAuthorityDER == ca.certificate.spiffeDERBytes)
    }

    @Test("issuer published: the remembered authority by lookup, otherwise a signature check; an authority gone is not")
    func issuerPublished() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let other = TestCA(trustDomain: trustDomain)
        let svid = ca.makeSVID(try SPIFFEID("spiffe://example.org/web"))
        let both = try bundle([other.certificate, ca.certificate])
        let bothDER = Set(both.x509Bundle.x509Authorities.map(\.spiffeDERBytes))
        let onlyOther = try bundle([other.certificate])
        let onlyOtherDER = Set(onlyOther.x509Bundle.x509Authorities.map(\.spiffeDERBytes))
        for cached in [issued(svid, authorities: [ca.certificate]), issued(svid)] {
            #expect(SVIDRotator.issuerIsPublished(cached, in: both, authorities: bothDER))
            #expect(!SVIDRotator.issuerIsPublished(cached, in: onlyOther, authorities: onlyOtherDER))
        }
        // A remembered authority that the lookup set lacks falls back to the signature check against the bundle.
        #expect(SVIDRotator.issuerIsPublished(issued(svid, authorities: [ca.certificate]), in: both, authorities: []))
    }

    @Test("issued by the active authority: the leaf's authority key ID against the server's; unknown means yes")
    func activeAuthority() throws {
        let ca = TestCA(trustDomain: trustDomain)
        let cached = issued(ca.makeSVID(try SPIFFEID("spiffe://example.org/web")))
        #expect(SVIDRotator.issuedByActiveAuthority(cached, active: nil))
        #expect(SVIDRotator.issuedByActiveAuthority(cached, active: Array(try #require(try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier))))
        #expect(!SVIDRotator.issuedByActiveAuthority(cached, active: [1, 2, 3]))
    }
}
