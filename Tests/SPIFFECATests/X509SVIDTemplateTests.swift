import Crypto
import SPIFFE
import SteepleSupport
@testable import SPIFFECA
import SwiftASN1
import Testing
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fixed-template writer (issue #20) against swift-certificates' builder: for the same inputs both must write the
/// same certificate. ECDSA signatures are randomised, so with an EC authority the TBSCertificates are compared (and the
/// template's signature verified); an RSA authority signs deterministically, so there the whole DER is.
@Suite("X509-SVIDs written from the fixed template are swift-certificates' own, byte for byte")
struct X509SVIDTemplateTests {
    static let trustDomain = try! TrustDomain("example.org")

    enum KeyKind: String, CaseIterable, CustomTestStringConvertible {
        case p256, p384, rsa2048
        var testDescription: String { rawValue }

        func privateKey() throws -> Certificate.PrivateKey {
            switch self {
            case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
            case .p384: Certificate.PrivateKey(P384.Signing.PrivateKey())
            case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            }
        }

        var csrSignatureAlgorithm: Certificate.SignatureAlgorithm {
            switch self {
            case .p256: .ecdsaWithSHA256
            case .p384: .ecdsaWithSHA384
            case .rsa2048: .sha256WithRSAEncryption
            }
        }
    }

    static func csr(_ key: Certificate.PrivateKey, _ kind: KeyKind) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("workload") }, privateKey: key,
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: kind.csrSignatureAlgorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    /// A self-signed authority, or one under a root (then it has an upstream chain), valid from `now` for `ttl`.
    static func authority(_ kind: KeyKind, now: Date, ttl: TimeInterval, intermediate: Bool) throws -> X509Authority {
        let subject = try DistinguishedName { CountryName("US"); OrganizationName("SPIFFE") }
        if !intermediate {
            return try X509Authority.selfSigned(trustDomain: trustDomain, privateKey: try kind.privateKey(), subject: subject, ttl: .seconds(ttl), now: now)
        }
        let root = try X509Authority.selfSigned(
            trustDomain: trustDomain, privateKey: Certificate.PrivateKey(P256.Signing.PrivateKey()), subject: subject, ttl: .seconds(ttl * 2), now: now)
        let key = try kind.privateKey()
        let certificate = try X509Authority.caCertificate(
            trustDomain: trustDomain, publicKey: key.publicKey, subject: subject, notAfter: now.addingTimeInterval(ttl), now: now,
            issuer: root.certificate, issuerKey: root.privateKey)
        return X509Authority(certificate: certificate, privateKey: key, upstreamChain: [certificate], roots: [root.certificate])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var authority: KeyKind
        var key: KeyKind
        var dnsNames: [String]
        var intermediate: Bool
        var testDescription: String { "\(authority) authority\(intermediate ? " (intermediate)" : ""), \(key) key, \(dnsNames.count) DNS names" }
    }

    static let cases: [Case] = KeyKind.allCases.flatMap { authority in
        KeyKind.allCases.flatMap { key in
            [
                Case(authority: authority, key: key, dnsNames: [], intermediate: false),
                Case(authority: authority, key: key, dnsNames: ["web.example.org", "web", "xn--bcher-kva.example"], intermediate: authority == .p256),
            ]
        }
    }

    @Test("the same TBSCertificate (and with RSA the same DER) for every authority key, subject key, names and chain", arguments: cases)
    func sameCertificate(_ testCase: Case) throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000.4)
        let authority = try Self.authority(testCase.authority, now: now.addingTimeInterval(-60), ttl: 86400, intermediate: testCase.intermediate)
        let ca = CertificateAuthority(trustDomain: Self.trustDomain, x509Authority: authority)
        #expect(ca.svidTemplate != nil, "no template for a \(testCase.authority) authority")
        let key = try testCase.key.privateKey()
        let csr = try Self.csr(key, testCase.key)
        let parameters = X509SVIDParameters(
            spiffeID: try SPIFFEID("spiffe://example.org/ns/prod/sa/web"), publicKey: key.publicKey, ttl: .seconds(3600), dnsNames: testCase.dnsNames)
        try Self.compare(ca, parameters, csr: csr, now: now, authorityKey: testCase.authority)
        // Only EC keys as swift-certificates writes them are copied from the CSR; an RSA key takes the builder.
        let spki = try #require(DERReader.subjectPublicKeyInfo(ofCSR: csr))
        #expect((X509SVIDTemplate.canonicalKeyLength(spki) != nil) == (testCase.key != .rsa2048))
    }

    @Test("serials with the top bit set or leading zeros, notAfter capped by the authority, dates rounded up and down, UTCTime and GeneralizedTime (from 2050)")
    func serialsAndDates() throws {
        let key = P256.Signing.PrivateKey()
        let csr = try Self.csr(Certificate.PrivateKey(key), .p256)
        let id = try SPIFFEID("spiffe://example.org/web")
        for (seconds, authorityTTL, svidTTL) in [
            (1_790_000_000.5, 86400.0, 3600.0),  // .5 rounds up
            (1_790_000_000.49, 86400, 3600),
            (1_790_000_000.0, 1800, 3600),  // capped at the authority's notAfter
            (2_524_607_000.7, 86400 * 3, 86400),  // 2049-12-31: notAfter in 2050, a GeneralizedTime
            (2_600_000_000.2, 86400, 60),  // 2052: both GeneralizedTime
        ] {
            let now = Date(timeIntervalSince1970: seconds)
            let ca = CertificateAuthority(
                trustDomain: Self.trustDomain, x509Authority: try Self.authority(.p256, now: now.addingTimeInterval(-5), ttl: authorityTTL, intermediate: false))
            let parameters = X509SVIDParameters(spiffeID: id, publicKey: Certificate.PublicKey(key.publicKey), ttl: .seconds(svidTTL))
            for serial in [[0x80] + [UInt8](repeating: 0x11, count: 15), [0, 0, 0x7F] + [UInt8](repeating: 0xFF, count: 13), [UInt8](repeating: 0, count: 15) + [1]] {
                try Self.compare(ca, parameters, csr: csr, now: now, serial: Certificate.SerialNumber(bytes: serial), authorityKey: .p256)
            }
        }
    }

    @Test("an authority with its own SVID subject: the subject's attributes, then the first DNS name as CN")
    func customSubject() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let subject = try DistinguishedName { CountryName("DE"); OrganizationName("Example GmbH"); OrganizationalUnitName("Platform") }
        let ca = CertificateAuthority(
            trustDomain: Self.trustDomain, x509Authority: try Self.authority(.p256, now: now, ttl: 86400, intermediate: false), svidSubject: subject)
        let key = P256.Signing.PrivateKey()
        let parameters = X509SVIDParameters(
            spiffeID: try SPIFFEID("spiffe://example.org/db"), publicKey: Certificate.PublicKey(key.publicKey), ttl: .seconds(600), dnsNames: ["db.internal"])
        try Self.compare(ca, parameters, csr: try Self.csr(Certificate.PrivateKey(key), .p256), now: now.addingTimeInterval(30), authorityKey: .p256)
    }

    @Test("the template's dates are the proleptic Gregorian calendar's (against Foundation's), 1950 to 2400")
    func civilDates() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        let samples = [Int64(-631_152_000), 0, 951_782_400, 2_524_607_999, 2_524_608_000, 13_569_465_600] + (0..<2000).map { _ in Int64.random(in: -631_152_000...13_569_465_600, using: &generator) }
        for seconds in samples {
            let ours = CivilCalendar.components(secondsSince1970: seconds)
            let theirs = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect([ours.year, ours.month, ours.day, ours.hour, ours.minute, ours.second].map(Int.init) == [theirs.year, theirs.month, theirs.day, theirs.hour, theirs.minute, theirs.second], "\(seconds)")
        }
    }

    @Test("the CSR's SubjectPublicKeyInfo is cut only from a well-formed request; a truncated or reshaped one gives nothing")
    func subjectPublicKeyInfoOfCSR() throws {
        let key = P256.Signing.PrivateKey()
        let csr = try Self.csr(Certificate.PrivateKey(key), .p256)
        let spki = try #require(DERReader.subjectPublicKeyInfo(ofCSR: csr))
        var serializer = DER.Serializer()
        try serializer.serialize(Certificate.PublicKey(key.publicKey))
        #expect(Array(spki) == serializer.serializedBytes)
        #expect(X509SVIDTemplate.canonicalKeyLength(spki) == 64)
        for cut in [1, 10, csr.count / 2, csr.count - 1] {
            #expect(DERReader.subjectPublicKeyInfo(ofCSR: Array(csr.prefix(cut))) == nil, "cut at \(cut)")
        }
        #expect(DERReader.subjectPublicKeyInfo(ofCSR: []) == nil)
        #expect(DERReader.subjectPublicKeyInfo(ofCSR: [0x31] + csr.dropFirst()) == nil)
        // A compressed point is a valid key but not swift-certificates' encoding: not copied.
        var compressed = Array(spki)
        compressed[26] = 0x02
        #expect(X509SVIDTemplate.canonicalKeyLength(compressed[...]) == nil)
    }

    @Test("a refused request is refused alike: another trust domain, no path, a TTL of zero, an expired authority")
    func refusals() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let ca = CertificateAuthority(trustDomain: Self.trustDomain, x509Authority: try Self.authority(.p256, now: now, ttl: 3600, intermediate: false))
        let key = P256.Signing.PrivateKey()
        let csr = try Self.csr(Certificate.PrivateKey(key), .p256)
        func code(_ id: String, ttl: Duration = .seconds(60), at date: Date = now.addingTimeInterval(10)) throws -> CAError.Code? {
            let parameters = X509SVIDParameters(spiffeID: try SPIFFEID(id), publicKey: Certificate.PublicKey(key.publicKey), ttl: ttl)
            do {
                _ = try ca.issueX509SVID(forCSR: csr, spiffeID: parameters.spiffeID, ttl: parameters.ttl, dnsNames: [], now: date)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(try code("spiffe://other.org/web") == .invalidParameters)
        #expect(try code("spiffe://example.org") == .invalidParameters)
        #expect(try code("spiffe://example.org/web", ttl: .zero) == .invalidParameters)
        #expect(try code("spiffe://example.org/web", at: now.addingTimeInterval(7200)) == .authorityExpired)
        #expect(try code("spiffe://example.org/web") == nil)
        // A request whose signature does not verify, and one that is not a CSR: nothing is signed.
        var forged = csr
        forged[forged.count - 3] ^= 0x01
        for request in [forged, Array(csr.prefix(40))] {
            #expect(throws: CAError.self) {
                _ = try ca.issueX509SVID(forCSR: request, spiffeID: try SPIFFEID("spiffe://example.org/web"), ttl: .seconds(60), dnsNames: [], now: now.addingTimeInterval(10))
            }
        }
    }

    @Test("a DNS name that is not ASCII is refused as the builder refuses it (an IA5String), not written")
    func nonASCIIName() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let ca = CertificateAuthority(trustDomain: Self.trustDomain, x509Authority: try Self.authority(.p256, now: now, ttl: 3600, intermediate: false))
        let csr = try Self.csr(Certificate.PrivateKey(P256.Signing.PrivateKey()), .p256)
        #expect {
            _ = try ca.issueX509SVID(forCSR: csr, spiffeID: try SPIFFEID("spiffe://example.org/web"), ttl: .seconds(60), dnsNames: ["bücher.example"], now: now.addingTimeInterval(10))
        } throws: { ($0 as? CAError)?.code == .invalidParameters }
    }

    @Test("dates the template does not write (years past 9999) are left to the builder")
    func yearsTheTemplateLeaves() {
        #expect(X509SVIDTemplate.writesTime(Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(X509SVIDTemplate.writesTime(Date(timeIntervalSince1970: 253_402_300_799)))  // 9999-12-31T23:59:59Z
        #expect(!X509SVIDTemplate.writesTime(Date(timeIntervalSince1970: 253_402_300_800)))  // year 10000
        #expect(!X509SVIDTemplate.writesTime(.distantFuture.addingTimeInterval(1e18)))
    }

    /// Both writers for the same inputs and serial: the same TBSCertificate and fields, a signature by the authority,
    /// and with an RSA authority (deterministic signatures) the same DER.
    static func compare(
        _ ca: CertificateAuthority, _ parameters: X509SVIDParameters, csr: [UInt8], now: Date,
        serial: Certificate.SerialNumber = CertificateAuthority.serialNumber(), authorityKey: KeyKind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let reference = try ca.signX509SVID(parameters, now: now, serialNumber: serial)
        let written = try ca.issueX509SVID(
            forCSR: csr, spiffeID: parameters.spiffeID, ttl: parameters.ttl, dnsNames: parameters.dnsNames, now: now, serialNumber: serial)
        let leaf = try Certificate(derEncoded: written.leafDER)
        let (ours, theirs) = (Array(leaf.tbsCertificateBytes), Array(reference[0].tbsCertificateBytes))
        let firstDifference = (0..<min(ours.count, theirs.count)).first { ours[$0] != theirs[$0] } ?? min(ours.count, theirs.count)
        let same = ours == theirs
        #expect(same, "TBSCertificate differs from byte \(firstDifference) (of \(ours.count) and \(theirs.count)): \(ours.dropFirst(firstDifference).prefix(16)) vs \(theirs.dropFirst(firstDifference).prefix(16))", sourceLocation: sourceLocation)
        #expect(leaf.signatureAlgorithm == reference[0].signatureAlgorithm, sourceLocation: sourceLocation)
        #expect(ca.x509Authority.certificate.publicKey.isValidSignature(leaf.signature, for: leaf), "the template's signature does not verify", sourceLocation: sourceLocation)
        if authorityKey == .rsa2048 {
            #expect(written.leafDER == reference[0].spiffeDERBytes, "RSA-signed DER differs", sourceLocation: sourceLocation)
        }
        #expect(written.upstreamCertificatesDER == reference.dropFirst().map(\.spiffeDERBytes), sourceLocation: sourceLocation)
        #expect(try written.chain.dropFirst().elementsEqual(reference.dropFirst()), sourceLocation: sourceLocation)
        #expect(written.serialNumber == leaf.serialNumber.bytes, sourceLocation: sourceLocation)
        #expect(leaf.serialNumber == reference[0].serialNumber, sourceLocation: sourceLocation)
        #expect(written.notBefore == reference[0].notValidBefore, sourceLocation: sourceLocation)
        #expect(written.expiresAt == reference[0].notValidAfter, sourceLocation: sourceLocation)
    }
}
