import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// A PKCS #7 / CMS `SignedData` with attached content and one RSA signer (RFC 5652 §5), as AWS's
/// `instance-identity/rsa2048` is: enough to verify it with a certificate the caller trusts, as SPIRE does with Go's
/// `pkcs7` (the signer's certificate is not in the message; the caller supplies it). BER is accepted (a constructed
/// content octet string is joined).
struct PKCS7SignedData {
    /// The attached content (the instance identity document).
    let content: [UInt8]
    private let digestAlgorithm: ASN1ObjectIdentifier
    /// The DER of the signed attributes as a `SET OF`, which is what is signed when they are present.
    private let signedAttributes: [UInt8]?
    private let messageDigest: [UInt8]?
    private let signature: [UInt8]

    static let signedDataOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    static let messageDigestOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]

    struct Malformed: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses `ContentInfo { signedData, [0] SignedData }`.
    init(ber bytes: [UInt8]) throws {
        let contentInfo = try Self.children(try BER.parse(bytes), "ContentInfo")
        guard contentInfo.count == 2, try ASN1ObjectIdentifier(berEncoded: contentInfo[0]) == Self.signedDataOID else {
            throw Malformed("not a PKCS #7 signedData ContentInfo")
        }
        let explicit = try Self.children(contentInfo[1], "ContentInfo content")
        guard explicit.count == 1 else { throw Malformed("ContentInfo content is not one SignedData") }
        let signedData = try Self.children(explicit[0], "SignedData")
        // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
        guard signedData.count >= 4, let signerInfos = signedData.last else { throw Malformed("SignedData is incomplete") }
        let encapsulated = try Self.children(signedData[2], "EncapsulatedContentInfo")
        guard encapsulated.count == 2 else { throw Malformed("SignedData has no attached content") }
        let wrapped = try Self.children(encapsulated[1], "eContent")
        guard wrapped.count == 1 else { throw Malformed("eContent is not one OCTET STRING") }
        content = try Self.octets(wrapped[0])
        let signers = try Self.children(signerInfos, "SignerInfos")
        guard signers.count == 1 else { throw Malformed("SignedData has \(signers.count) signers: exactly one is expected") }
        // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1] unsignedAttrs?
        let signer = try Self.children(signers[0], "SignerInfo")
        guard signer.count >= 5 else { throw Malformed("SignerInfo is incomplete") }
        guard let algorithm = try Self.children(signer[2], "digestAlgorithm").first else {
            throw Malformed("SignerInfo's digestAlgorithm is empty: it must name the digest (an OID)")
        }
        digestAlgorithm = try ASN1ObjectIdentifier(berEncoded: algorithm)
        var index = 3
        if signer[3].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            // Signed over as a SET OF (RFC 5652 §5.4): the same bytes with the universal SET tag.
            var der = Array(signer[3].encodedBytes)
            der[0] = 0x31
            signedAttributes = der
            var digest: [UInt8]?
            for attribute in try Self.children(signer[3], "signedAttrs") {
                let parts = try Self.children(attribute, "Attribute")
                guard parts.count == 2, try ASN1ObjectIdentifier(berEncoded: parts[0]) == Self.messageDigestOID else { continue }
                let values = try Self.children(parts[1], "messageDigest values")
                guard values.count == 1 else { throw Malformed("messageDigest must have one value") }
                digest = try Self.octets(values[0])
            }
            guard let digest else { throw Malformed("signed attributes lack the message digest") }
            messageDigest = digest
            index = 4
        } else {
            signedAttributes = nil
            messageDigest = nil
        }
        guard signer.count > index + 1 else { throw Malformed("SignerInfo has no signature") }
        signature = try Self.octets(signer[index + 1])
    }

    /// Whether the signer is `certificate`'s RSA key: the message digest matches the content (when signed attributes
    /// are present) and the PKCS #1 v1.5 signature verifies.
    func verify(with key: _RSA.Signing.PublicKey) throws {
        let signed = signedAttributes ?? content
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid: Bool
        switch digestAlgorithm {
        case Self.sha256:
            if let messageDigest, Array(SHA256.hash(data: content)) != messageDigest { throw Malformed("message digest mismatch") }
            valid = key.isValidSignature(rsaSignature, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        case Self.sha384:
            if let messageDigest, Array(SHA384.hash(data: content)) != messageDigest { throw Malformed("message digest mismatch") }
            valid = key.isValidSignature(rsaSignature, for: SHA384.hash(data: signed), padding: .insecurePKCS1v1_5)
        case Self.sha512:
            if let messageDigest, Array(SHA512.hash(data: content)) != messageDigest { throw Malformed("message digest mismatch") }
            valid = key.isValidSignature(rsaSignature, for: SHA512.hash(data: signed), padding: .insecurePKCS1v1_5)
        case Self.sha1:
            if let messageDigest, Array(Insecure.SHA1.hash(data: content)) != messageDigest { throw Malformed("message digest mismatch") }
            valid = key.isValidSignature(rsaSignature, for: Insecure.SHA1.hash(data: signed), padding: .insecurePKCS1v1_5)
        default:
            throw Malformed("digest algorithm \(digestAlgorithm) is not supported")
        }
        guard valid else { throw Malformed("crypto/rsa: verification error") }
    }

    private static func children(_ node: ASN1Node, _ what: String) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw Malformed("\(what) is not constructed") }
        return Array(nodes)
    }

    /// An OCTET STRING's bytes, joining the chunks of a constructed (BER) one.
    private static func octets(_ node: ASN1Node) throws -> [UInt8] {
        switch node.content {
        case .primitive(let bytes): return Array(bytes)
        case .constructed(let chunks): return try chunks.flatMap { try octets($0) }
        }
    }
}
