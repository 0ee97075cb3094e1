import Crypto
import SPIFFE
import SPIFFECA
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JWT signing authority: the key (when this server holds it), its `kid`, and its validity. JWT keys rotate on
/// the same schedule as the X.509 CA and stay published until they expire.
struct JWTAuthority: Sendable, Hashable {
    var keyManagerID: String
    var kid: String
    var publicKey: Certificate.PublicKey
    var signingKey: JWTSigningKey?
    var notBefore: Date
    var notAfter: Date

    /// A `kid` as SPIRE makes them: 32 characters of `[a-zA-Z0-9]`.
    static func newKeyID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}

/// An X.509 authority in a slot; `authority` is `nil` for an old authority whose key is gone (still published).
struct X509Slot: Sendable, Hashable {
    var keyManagerID: String
    var certificate: Certificate
    var authority: X509Authority?
    var roots: [Certificate]

    var notAfter: Date { certificate.notValidAfter }
}
