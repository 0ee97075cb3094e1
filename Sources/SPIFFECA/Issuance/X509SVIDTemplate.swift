import Crypto
import SPIFFE
import SteepleSupport
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An X509-SVID of one authority written from a fixed template: the parts that are the same in every SVID the
/// authority signs (signature algorithm, issuer name, the subject's fixed attributes, basic constraints, key usage,
/// extended key usage, authority key identifier) are encoded once, and each SVID writes only what differs (serial,
/// validity, common name, public key, subject key identifier, subject alternative names) around them.
///
/// It writes the same bytes as ``CertificateAuthority/signX509SVID(_:now:)``, which builds the certificate with
/// swift-certificates (`X509SVIDTemplateTests` compares them across key types, names and dates), in a fraction of the
/// time: building, encoding and re-deriving the public key through swift-certificates cost more than the signature
/// (issue #20).
struct X509SVIDTemplate: Sendable {
    private let signatureAlgorithm: Certificate.SignatureAlgorithm
    private let algorithmIdentifier: [UInt8]
    private let issuerName: [UInt8]
    /// The contents of the SVID subject's Name (its RDN SETs), without the SEQUENCE header: a common name is appended.
    private let subjectAttributes: [UInt8]
    /// Basic constraints, key usage and extended key usage, each a whole Extension.
    private let leadingExtensions: [UInt8]
    /// The authority key identifier Extension, empty when the authority has no subject key identifier.
    private let authorityKeyIdentifier: [UInt8]
    /// The DER of each certificate of the authority's upstream chain, served after the leaf: encoded once, not per SVID.
    let upstreamCertificatesDER: [[UInt8]]

    /// The template of `authority` for SVIDs of `trustDomain` with subject `svidSubject`; nil when its key signs with an
    /// algorithm the template does not write, or when a sample SVID written from it fails the checks every SVID the
    /// builder signs passes (``IssuedCredentialValidator``, the authority's signature): the builder then signs, as
    /// before.
    init?(authority: X509Authority, svidSubject: DistinguishedName, trustDomain: TrustDomain) {
        let algorithm = CAKeyType.signatureAlgorithm(for: authority.privateKey)
        guard let identifier = Self.algorithmIdentifiers[algorithm] else { return nil }
        do {
            signatureAlgorithm = algorithm
            algorithmIdentifier = identifier
            issuerName = try Self.encode(authority.certificate.subject)
            let subject = try Self.encode(svidSubject)
            guard let name = DERReader.value(in: subject, at: 0, end: subject.count) else { return nil }
            subjectAttributes = Array(subject[name.contents])
            let fixed = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
            }
            leadingExtensions = try fixed.flatMap { try Self.encode($0) }
            if let keyID = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier {
                authorityKeyIdentifier = try Self.encode(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyID), critical: false))
            } else {
                authorityKeyIdentifier = []
            }
            upstreamCertificatesDER = authority.upstreamChain.map(\.spiffeDERBytes)
        } catch {
            return nil
        }
        guard validatesSample(authority: authority, trustDomain: trustDomain) else { return nil }
    }

    /// Writes an SVID for a fresh P-256 key at a moment within the authority's validity, and checks it as the builder
    /// checks what it signs: the SPIFFE shape of the leaf and of the upstream chain, the ID, key usage, EKU and
    /// validity, and the authority's signature.
    private func validatesSample(authority: X509Authority, trustDomain: TrustDomain) -> Bool {
        do {
            let key = P256.Signing.PrivateKey()
            var serializer = DER.Serializer()
            try serializer.serialize(Certificate.PublicKey(key.publicKey))
            let subjectPublicKeyInfo = serializer.serializedBytes[...]
            guard let keyLength = Self.canonicalKeyLength(subjectPublicKeyInfo) else { return false }
            let start = authority.certificate.notValidBefore, end = authority.notAfter
            let now = Date() > start && Date() < end.addingTimeInterval(-2) ? Date() : start.addingTimeInterval(end.timeIntervalSince(start) / 2)
            let id = try SPIFFEID(trustDomain: trustDomain, path: "/steeple/template-check")
            let tbs = tbsCertificate(
                serialNumber: Array(CertificateAuthority.serialNumber().bytes), notBefore: now.addingTimeInterval(-X509Authority.notBeforeCushion),
                notAfter: min(now.addingTimeInterval(60), end), commonName: "template-check", subjectPublicKeyInfo: subjectPublicKeyInfo,
                subjectKeyIdentifier: Self.subjectKeyIdentifier(canonical: subjectPublicKeyInfo, keyLength: keyLength),
                uri: id.string, dnsNames: ["template-check"])
            let leaf = try Certificate(derEncoded: try certificate(tbsCertificate: tbs, signedWith: authority.privateKey))
            guard authority.certificate.publicKey.isValidSignature(leaf.signature, for: leaf),
                  leaf.publicKey == Certificate.PublicKey(key.publicKey) else { return false }
            try IssuedCredentialValidator.validateX509SVID(chain: [leaf] + authority.upstreamChain, expectedID: id, now: now)
            return true
        } catch {
            return false
        }
    }

    /// Whether ``appendTime(_:to:)`` writes `date` (years 1 to 9999 once rounded; the builder takes the others).
    static func writesTime(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970.rounded()
        guard seconds.isFinite, abs(seconds) < 1e15 else { return false }
        return (1...9999).contains(CivilCalendar.components(secondsSince1970: Int64(seconds)).year)
    }

    /// The DER of an X509-SVID's TBSCertificate.
    ///
    /// - Parameters:
    ///   - serialNumber: the serial's big-endian magnitude (written as a positive INTEGER).
    ///   - subjectPublicKeyInfo: the key's SubjectPublicKeyInfo, as DER; ``canonicalKeyLength(_:)`` tells when a CSR's
    ///     may be copied.
    func tbsCertificate(
        serialNumber: [UInt8], notBefore: Date, notAfter: Date, commonName: String?,
        subjectPublicKeyInfo: ArraySlice<UInt8>, subjectKeyIdentifier: some Collection<UInt8>, uri: String, dnsNames: [String]
    ) -> [UInt8] {
        var writer = DERWriter(capacity: 640)
        writer.wrap(0x30) { tbs in
            tbs.append(raw: [0xA0, 0x03, 0x02, 0x01, 0x02])  // [0] EXPLICIT version v3
            tbs.appendUnsignedInteger(serialNumber)
            tbs.append(raw: algorithmIdentifier)
            tbs.append(raw: issuerName)
            tbs.wrap(0x30) { validity in
                Self.appendTime(notBefore, to: &validity)
                Self.appendTime(notAfter, to: &validity)
            }
            tbs.wrap(0x30) { subject in
                subject.append(raw: subjectAttributes)
                if let commonName {
                    subject.wrap(0x31) { set in
                        set.wrap(0x30) { attribute in
                            attribute.append(raw: [0x06, 0x03, 0x55, 0x04, 0x03])  // id-at-commonName
                            attribute.append(tag: 0x0C, contents: commonName.utf8)  // UTF8String
                        }
                    }
                }
            }
            tbs.append(raw: subjectPublicKeyInfo)
            tbs.wrap(0xA3) { explicit in  // [3] EXPLICIT Extensions
                explicit.wrap(0x30) { extensions in
                    extensions.append(raw: leadingExtensions)
                    extensions.wrap(0x30) { ski in
                        ski.append(raw: [0x06, 0x03, 0x55, 0x1D, 0x0E])  // id-ce-subjectKeyIdentifier
                        ski.wrap(0x04) { value in value.append(tag: 0x04, contents: subjectKeyIdentifier) }
                    }
                    extensions.append(raw: authorityKeyIdentifier)
                    extensions.wrap(0x30) { san in
                        san.append(raw: [0x06, 0x03, 0x55, 0x1D, 0x11])  // id-ce-subjectAltName
                        san.wrap(0x04) { value in
                            value.wrap(0x30) { names in
                                names.append(tag: 0x86, contents: uri.utf8)  // [6] uniformResourceIdentifier
                                for name in dnsNames { names.append(tag: 0x82, contents: name.utf8) }  // [2] dNSName
                            }
                        }
                    }
                }
            }
        }
        return writer.bytes
    }

    /// Signs `tbsCertificate` with `key` and returns the Certificate's DER.
    func certificate(tbsCertificate: [UInt8], signedWith key: Certificate.PrivateKey) throws -> [UInt8] {
        let signature = try key.sign(bytes: tbsCertificate, signatureAlgorithm: signatureAlgorithm).rawRepresentation
        var writer = DERWriter(capacity: tbsCertificate.count + algorithmIdentifier.count + signature.count + 12)
        writer.wrap(0x30) { certificate in
            certificate.append(raw: tbsCertificate)
            certificate.append(raw: algorithmIdentifier)
            certificate.wrap(0x03) { bits in  // BIT STRING, no unused bits
                bits.append(raw: CollectionOfOne(0))
                bits.append(raw: signature)
            }
        }
        return writer.bytes
    }

    /// The length of the public key of `subjectPublicKeyInfo` when it is an EC P-256 or P-384 key encoded as
    /// swift-certificates encodes one (named curve, uncompressed point), so that a copy is the same bytes; nil for any
    /// other key or encoding.
    static func canonicalKeyLength(_ subjectPublicKeyInfo: ArraySlice<UInt8>) -> Int? {
        for prefix in canonicalKeyPrefixes where subjectPublicKeyInfo.count == prefix.prefix.count + prefix.keyLength {
            if subjectPublicKeyInfo.starts(with: prefix.prefix) { return prefix.keyLength }
        }
        return nil
    }

    /// The SubjectPublicKeyInfo headers of P-256 and P-384 keys up to the point's first byte (0x04, uncompressed), and
    /// the length of the rest of the point.
    private static let canonicalKeyPrefixes: [(prefix: [UInt8], keyLength: Int)] = [
        ([0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04], 64),
        ([0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04], 96),
    ]

    /// RFC 5280 §4.2.1.2 (1): the SHA-1 of the subjectPublicKey BIT STRING's value, as swift-certificates'
    /// `SubjectKeyIdentifier(hash:)`; for a canonical EC key (``canonicalKeyLength(_:)``) that is the point.
    static func subjectKeyIdentifier(canonical subjectPublicKeyInfo: ArraySlice<UInt8>, keyLength: Int) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: subjectPublicKeyInfo.suffix(keyLength + 1)))
    }

    /// The AlgorithmIdentifier DER of each signature algorithm a CA key of ours signs with (``CAKeyType``: P-256, P-384,
    /// RSA): RFC 5758 §3.2 (ECDSA, no parameters) and RFC 4055 §5 (RSA, NULL parameters). Any other takes the builder.
    private static let algorithmIdentifiers: [Certificate.SignatureAlgorithm: [UInt8]] = [
        .ecdsaWithSHA256: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02],
        .ecdsaWithSHA384: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03],
        .sha256WithRSAEncryption: [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00],
    ]

    /// RFC 5280 §4.1.2.5 as swift-certificates writes it: the date rounded to the second, UTCTime for years 1950–2049,
    /// GeneralizedTime otherwise.
    static func appendTime(_ date: Date, to writer: inout DERWriter) {
        let c = CivilCalendar.components(secondsSince1970: Int64(date.timeIntervalSince1970.rounded()))
        let (year, month, day, hour, minute, second) = (Int(c.year), Int(c.month), Int(c.day), Int(c.hour), Int(c.minute), Int(c.second))
        var text: [UInt8] = []
        text.reserveCapacity(15)
        func two(_ value: Int) {
            text.append(UInt8(ascii: "0") + UInt8(value / 10))
            text.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        let utc = (1950..<2050).contains(year)
        if utc {
            two(year % 100)
        } else {
            two(year / 100)
            two(year % 100)
        }
        two(month)
        two(day)
        two(hour)
        two(minute)
        two(second)
        text.append(UInt8(ascii: "Z"))
        writer.append(tag: utc ? 0x17 : 0x18, contents: text)
    }

    private static func encode(_ value: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }
}
