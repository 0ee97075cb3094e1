import Crypto
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One JSON Web Key (RFC 7517 §4) with the members SPIFFE bundles use (SPEC §4.1): `kty`, `use`, `kid`, the EC
/// (`crv`, `x`, `y`), RSA (`n`, `e`) and OKP (`crv`, `x`) public key parameters, and `x5c`.
///
/// Other members are dropped when decoding and never written.
struct JWK: Codable, Hashable, Sendable {
    var kty: String?
    var use: String?
    var kid: String?
    var crv: String?
    var x: String?
    var y: String?
    var n: String?
    var e: String?
    var x5c: [String]?

    init(
        kty: String? = nil,
        use: String? = nil,
        kid: String? = nil,
        crv: String? = nil,
        x: String? = nil,
        y: String? = nil,
        n: String? = nil,
        e: String? = nil,
        x5c: [String]? = nil
    ) {
        self.kty = kty
        self.use = use
        self.kid = kid
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
        self.x5c = x5c
    }
}

// MARK: - Certificate.PublicKey → JWK

extension JWK {
    /// The JWK of a public key, with no `use`, `kid` or `x5c`.
    ///
    /// EC coordinates are written at full curve length, left-padded with zeros (RFC 7518 §6.2.1.2); RSA `n` and `e`
    /// are minimal big-endian base64urlUInt values with no leading zero byte (RFC 7518 §6.3.1, SPEC §4.3).
    /// Ed25519 keys become `OKP` keys (RFC 8037 §2).
    init(publicKey: Certificate.PublicKey) {
        if let key = P256.Signing.PublicKey(publicKey) {
            self.init(ecCurve: .p256, x963: Array(key.x963Representation))
        } else if let key = P384.Signing.PublicKey(publicKey) {
            self.init(ecCurve: .p384, x963: Array(key.x963Representation))
        } else if let key = P521.Signing.PublicKey(publicKey) {
            self.init(ecCurve: .p521, x963: Array(key.x963Representation))
        } else if let key = _RSA.Signing.PublicKey(publicKey) {
            // `getKeyPrimitives` only reads the key's numbers; its `throws` is API surface, not a real failure mode.
            let primitives = try! key.getKeyPrimitives()
            self.init(
                kty: "RSA",
                n: Base64URL.encode(Self.minimalUnsigned(Array(primitives.modulus))),
                e: Base64URL.encode(Self.minimalUnsigned(Array(primitives.publicExponent)))
            )
        } else if let key = Curve25519.Signing.PublicKey(publicKey) {
            self.init(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(key.rawRepresentation))
        } else {
            // Certificate.PublicKey has no other backing today; an unknown one is written with its type only, which
            // every consumer ignores (RFC 7517 §5).
            self.init(kty: "unknown")
        }
    }

    private init(ecCurve curve: ECCurve, x963: [UInt8]) {
        // X9.63 uncompressed form: 0x04 ‖ X ‖ Y, each coordinate already at full curve length.
        let coordinates = x963.dropFirst()
        self.init(
            kty: "EC",
            crv: curve.name,
            x: Base64URL.encode(coordinates.prefix(curve.coordinateLength)),
            y: Base64URL.encode(coordinates.suffix(curve.coordinateLength))
        )
    }

    /// `bytes` without leading zero bytes (at least one byte is kept).
    static func minimalUnsigned(_ bytes: [UInt8]) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        return trimmed.isEmpty ? [0] : trimmed
    }
}

// MARK: - JWK → Certificate.PublicKey

extension JWK {
    /// The public key the JWK describes.
    ///
    /// Consumers ignore what they do not understand and reject what is broken:
    /// - Returns: `nil` when the key type is not one this module uses, so the caller ignores the JWK (RFC 7517 §5,
    ///   SPEC §4.2): an unknown or missing `kty`, an unknown `crv`, or an RSA modulus under 2048 bits.
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` when a known key type has missing or malformed parameters:
    ///   not base64url, EC coordinates not at full curve length (RFC 7518 §6.2.1.2, as go-jose decides), or a point
    ///   off the curve.
    func publicKey(label: String) throws(SPIFFEError) -> Certificate.PublicKey? {
        switch kty {
        case "EC":
            guard let curve = ECCurve(name: crv) else { return nil }
            let x = try Self.decodeParameter(self.x, named: "x", label: label)
            let y = try Self.decodeParameter(self.y, named: "y", label: label)
            guard x.count == curve.coordinateLength, y.count == curve.coordinateLength else {
                throw SPIFFEError(
                    code: .malformedBundle,
                    message: "\(label) has \(curve.name) coordinates of \(x.count) and \(y.count) bytes: each must be exactly \(curve.coordinateLength) bytes, left-padded with zeros (RFC 7518 §6.2.1.2)"
                )
            }
            do {
                return try curve.publicKey(x963: [0x04] + x + y)
            } catch {
                throw SPIFFEError(code: .malformedBundle, message: "\(label) is not a valid \(curve.name) point", cause: error)
            }
        case "RSA":
            let modulus = Self.minimalUnsigned(try Self.decodeParameter(n, named: "n", label: label))
            let exponent = Self.minimalUnsigned(try Self.decodeParameter(e, named: "e", label: label))
            let bits = (modulus.count - 1) * 8 + (UInt8.bitWidth - modulus[0].leadingZeroBitCount)
            guard bits >= 2048 else { return nil }
            do {
                return Certificate.PublicKey(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
            } catch {
                throw SPIFFEError(code: .malformedBundle, message: "\(label) is not a valid RSA public key", cause: error)
            }
        case "OKP":
            guard crv == "Ed25519" else { return nil }
            let x = try Self.decodeParameter(self.x, named: "x", label: label)
            do {
                return Certificate.PublicKey(try Curve25519.Signing.PublicKey(rawRepresentation: x))
            } catch {
                throw SPIFFEError(code: .malformedBundle, message: "\(label) is not a valid Ed25519 public key", cause: error)
            }
        default:
            return nil
        }
    }

    private static func decodeParameter(_ value: String?, named name: String, label: String) throws(SPIFFEError) -> [UInt8] {
        guard let value, !value.isEmpty else {
            throw SPIFFEError(code: .malformedBundle, message: "\(label) lacks its \"\(name)\" parameter")
        }
        guard let bytes = Base64URL.decode(value) else {
            throw SPIFFEError(
                code: .malformedBundle,
                message: "\(label) has a \"\(name)\" parameter that is not base64url without padding (RFC 7518 §6)"
            )
        }
        return bytes
    }
}
