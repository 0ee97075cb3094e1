import Crypto
import SwiftASN1
package import X509

/// Keys and PKCS#10 requests the agent sends to the server. Keys are P-256 made without the compact-representable
/// search, which halves their cost (SWIFT-NOTES §5).
package enum CSRBuilder {
    package static func newKey() -> Certificate.PrivateKey {
        Certificate.PrivateKey(P256.Signing.PrivateKey(compactRepresentable: false))
    }

    /// A CSR for `key`; the server takes only the key from it (the SPIFFE ID comes from the entry).
    package static func csr(for key: Certificate.PrivateKey) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: DistinguishedName(),
            privateKey: key,
            attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
