import SwiftASN1
import _CryptoExtras

/// The keys `aws_iid` verifies an instance identity signature with: those of AWS's certificates.
///
/// Most of AWS's certificates for the plain `signature` hold 1024-bit RSA keys, which swift-certificates refuses to
/// parse (swift-crypto's checked initializers need 2048 bits). Only the key is needed, as in SPIRE, so it is read
/// from the certificate's SubjectPublicKeyInfo directly and taken with swift-crypto's initializer for such keys;
/// nothing else of the certificate (validity, issuer) is used, as in SPIRE.
enum AWSIIDCertificates: Sendable {
    /// `aws_ca_certificate_path`: any of these, whatever the region.
    case configured([_RSA.Signing.PublicKey])
    /// AWS's own (``AWSInstanceIdentityCertificates``), chosen by the document's region as SPIRE chooses.
    case builtIn

    /// The keys for a document of `region`, signed with AWS's RSA-2048 key (the `rsa2048` PKCS #7) or its RSA-1024
    /// one (the plain `signature`).
    func keys(region: String, rsa2048: Bool) throws(APIRefusal) -> [_RSA.Signing.PublicKey] {
        switch self {
        case .configured(let keys):
            return keys
        case .builtIn:
            let key = rsa2048 ? Self.builtInRSA2048[region] : (Self.builtInRSA1024[region] ?? Self.builtInRSA1024Default)
            guard let key else {
                // SPIRE's words: RSA-2048 has no certificate for every region.
                throw APIRefusal(.internal, "failed to load the AWS CA certificate for region \"\(region)\": unsupported region \"\(region)\"")
            }
            return [key]
        }
    }

    /// The RSA keys of every certificate in `pem`.
    static func keys(pem: String) throws -> [_RSA.Signing.PublicKey] {
        try PEMDocument.parseMultiple(pemString: pem).filter { $0.discriminator == "CERTIFICATE" }.map { try key(certificateDER: $0.derBytes) }
    }

    /// The RSA key of a certificate (`Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
    /// serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … }`).
    static func key(certificateDER: [UInt8]) throws -> _RSA.Signing.PublicKey {
        struct NotACertificate: Error, CustomStringConvertible {
            var description: String { "not an X.509 certificate" }
        }
        let certificate = try DER.parse(certificateDER)
        guard case .constructed(let parts) = certificate.content, let tbs = parts.first(where: { _ in true }),
              case .constructed(let fields) = tbs.content else { throw NotACertificate() }
        var elements = Array(fields)
        if let first = elements.first, first.identifier.tagClass == .contextSpecific { elements.removeFirst() }
        guard elements.count >= 6 else { throw NotACertificate() }
        return try _RSA.Signing.PublicKey(unsafeDERRepresentation: Array(elements[5].encodedBytes))
    }

    private static let builtInRSA1024 = parse(AWSInstanceIdentityCertificates.rsa1024)
    private static let builtInRSA2048 = parse(AWSInstanceIdentityCertificates.rsa2048)
    private static let builtInRSA1024Default = try? keys(pem: AWSInstanceIdentityCertificates.rsa1024Default).first

    /// Every built-in certificate parses (a test checks), so a failure here drops only that region.
    private static func parse(_ table: [String: String]) -> [String: _RSA.Signing.PublicKey] {
        table.compactMapValues { try? keys(pem: $0).first }
    }
}
