import Crypto
import X509

/// The NIST curves of JWA `EC` keys (RFC 7518 §6.2.1.1) and their coordinate lengths.
struct ECCurve: Hashable, Sendable {
    let name: String
    let coordinateLength: Int

    static let p256 = ECCurve(name: "P-256", coordinateLength: 32)
    static let p384 = ECCurve(name: "P-384", coordinateLength: 48)
    static let p521 = ECCurve(name: "P-521", coordinateLength: 66)

    private init(name: String, coordinateLength: Int) {
        self.name = name
        self.coordinateLength = coordinateLength
    }

    /// The curve named `name` (case-sensitive), or `nil`.
    init?(name: String?) {
        switch name {
        case "P-256": self = .p256
        case "P-384": self = .p384
        case "P-521": self = .p521
        default: return nil
        }
    }

    func publicKey(x963: [UInt8]) throws -> Certificate.PublicKey {
        switch coordinateLength {
        case Self.p256.coordinateLength: Certificate.PublicKey(try P256.Signing.PublicKey(x963Representation: x963))
        case Self.p384.coordinateLength: Certificate.PublicKey(try P384.Signing.PublicKey(x963Representation: x963))
        default: Certificate.PublicKey(try P521.Signing.PublicKey(x963Representation: x963))
        }
    }
}
