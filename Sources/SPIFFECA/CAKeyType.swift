import Crypto
package import X509
import _CryptoExtras

/// A key type as SPIRE names it in `ca_key_type`, `jwt_key_type` and `workload_x509_svid_key_type`.
package struct CAKeyType: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String, Sendable, CaseIterable {
        case ecP256 = "ec-p256"
        case ecP384 = "ec-p384"
        case rsa2048 = "rsa-2048"
        case rsa4096 = "rsa-4096"
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// EC P-256, the default for every key.
    package static let ecP256 = CAKeyType(.ecP256)
    /// EC P-384.
    package static let ecP384 = CAKeyType(.ecP384)
    /// RSA 2048.
    package static let rsa2048 = CAKeyType(.rsa2048)
    /// RSA 4096.
    package static let rsa4096 = CAKeyType(.rsa4096)

    /// Parses SPIRE's spelling, e.g. `ec-p256`.
    ///
    /// - Throws: ``CAError/Code/unsupportedKeyType`` listing the supported names.
    package init(_ name: String) throws(CAError) {
        guard let wrapped = Wrapped(rawValue: name) else {
            let names = Wrapped.allCases.map(\.rawValue).joined(separator: ", ")
            throw CAError(.unsupportedKeyType, "key type \"\(name)\" is not supported: use one of \(names)")
        }
        self.wrapped = wrapped
    }

    package var description: String { wrapped.rawValue }

    /// Generates a new private key of this type.
    package func generate() -> Certificate.PrivateKey {
        switch wrapped {
        // Non-compact keys generate twice as fast (SWIFT-NOTES §5) and are equally valid.
        case .ecP256: Certificate.PrivateKey(P256.Signing.PrivateKey(compactRepresentable: false))
        case .ecP384: Certificate.PrivateKey(P384.Signing.PrivateKey(compactRepresentable: false))
        case .rsa2048: Certificate.PrivateKey(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .rsa4096: Certificate.PrivateKey(try! _RSA.Signing.PrivateKey(keySize: .bits4096))
        }
    }

    /// The signature algorithm a CA key signs certificates with: it follows the key (SPEC §2.2).
    package static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        let publicKey = key.publicKey
        if P384.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA384 }
        if P521.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA512 }
        if _RSA.Signing.PublicKey(publicKey) != nil { return .sha256WithRSAEncryption }
        return .ecdsaWithSHA256
    }
}
