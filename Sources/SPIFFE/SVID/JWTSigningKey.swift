public import Crypto
import SwiftASN1
public import X509
public import _CryptoExtras

/// A private key that signs JWT-SVIDs: the key, the `kid` it is published under in the trust domain's JWT bundle,
/// and the `alg` it signs with (SPEC §3.4).
///
/// The algorithm must fit the key: ES256 for P-256 (the default, as in SPIRE), ES384 for P-384, ES512 for P-521, and
/// RS256/RS384/RS512/PS256/PS384/PS512 for RSA keys of at least 2048 bits (JWT-SVID §2.1, SPEC §3.3 step 4).
///
/// Equality and hashing consider the public key, `kid` and algorithm.
public struct JWTSigningKey: Sendable {
    /// The `kid` header value; the trust domain's JWT bundle publishes ``publicKey`` under it.
    public let keyID: String
    /// The `alg` header value.
    public let algorithm: JWTAlgorithm
    /// The public key to publish in the JWT bundle.
    public let publicKey: Certificate.PublicKey
    private let backing: Backing
    /// The JWS header `{"alg":…,"kid":…,"typ":"JWT"}`, base64url: the same for every token this key signs.
    let encodedHeader: String

    private enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    /// Creates a P-256 signing key.
    ///
    /// - Parameters:
    ///   - key: the private key.
    ///   - keyID: the non-empty `kid`. SPIRE uses 32 random characters of `[a-zA-Z0-9]` (SPEC §3.4).
    ///   - algorithm: must be ``JWTAlgorithm/es256``.
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` for an empty `kid`, ``SPIFFEError/Code/keyAlgorithmMismatch``
    ///   for another algorithm.
    public init(_ key: P256.Signing.PrivateKey, keyID: String, algorithm: JWTAlgorithm = .es256) throws(SPIFFEError) {
        try self.init(.p256(key), publicKey: Certificate.PublicKey(key.publicKey), keyID: keyID, algorithm: algorithm)
    }

    /// Creates a P-384 signing key.
    ///
    /// - Parameters:
    ///   - key: the private key.
    ///   - keyID: the non-empty `kid`.
    ///   - algorithm: must be ``JWTAlgorithm/es384``.
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` for an empty `kid`, ``SPIFFEError/Code/keyAlgorithmMismatch``
    ///   for another algorithm.
    public init(_ key: P384.Signing.PrivateKey, keyID: String, algorithm: JWTAlgorithm = .es384) throws(SPIFFEError) {
        try self.init(.p384(key), publicKey: Certificate.PublicKey(key.publicKey), keyID: keyID, algorithm: algorithm)
    }

    /// Creates a P-521 signing key.
    ///
    /// - Parameters:
    ///   - key: the private key.
    ///   - keyID: the non-empty `kid`.
    ///   - algorithm: must be ``JWTAlgorithm/es512``.
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` for an empty `kid`, ``SPIFFEError/Code/keyAlgorithmMismatch``
    ///   for another algorithm.
    public init(_ key: P521.Signing.PrivateKey, keyID: String, algorithm: JWTAlgorithm = .es512) throws(SPIFFEError) {
        try self.init(.p521(key), publicKey: Certificate.PublicKey(key.publicKey), keyID: keyID, algorithm: algorithm)
    }

    /// Creates an RSA signing key.
    ///
    /// - Parameters:
    ///   - key: the private key, at least 2048 bits.
    ///   - keyID: the non-empty `kid`.
    ///   - algorithm: an RS* or PS* algorithm; RS256 is what SPIRE uses (SPEC §3.4).
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` for an empty `kid`, ``SPIFFEError/Code/unsupportedKeyType``
    ///   for a key under 2048 bits, ``SPIFFEError/Code/keyAlgorithmMismatch`` for an ES* algorithm.
    public init(_ key: _RSA.Signing.PrivateKey, keyID: String, algorithm: JWTAlgorithm = .rs256) throws(SPIFFEError) {
        guard key.keySizeInBits >= 2048 else {
            throw SPIFFEError(
                code: .unsupportedKeyType,
                message: "RSA key has \(key.keySizeInBits) bits: JWT-SVID signing keys need at least 2048"
            )
        }
        try self.init(.rsa(key), publicKey: Certificate.PublicKey(key.publicKey), keyID: keyID, algorithm: algorithm)
    }

    /// Creates a signing key from a swift-certificates private key, e.g. one a CA also uses for certificates.
    ///
    /// - Parameters:
    ///   - key: an EC P-256/P-384/P-521 or RSA (≥ 2048 bits) private key held in memory.
    ///   - keyID: the non-empty `kid`.
    ///   - algorithm: the algorithm, or `nil` for the key's default (ES256, ES384, ES512 or RS256).
    /// - Throws: ``SPIFFEError/Code/unsupportedKeyType`` for Ed25519, hardware-backed or custom keys and RSA under
    ///   2048 bits, ``SPIFFEError/Code/invalidArgument`` for an empty `kid`,
    ///   ``SPIFFEError/Code/keyAlgorithmMismatch`` when `algorithm` does not fit the key.
    public init(_ key: Certificate.PrivateKey, keyID: String, algorithm: JWTAlgorithm? = nil) throws(SPIFFEError) {
        let publicKey = key.publicKey
        let pem: String
        do {
            pem = try key.serializeAsPEM().pemString
        } catch {
            throw SPIFFEError(
                code: .unsupportedKeyType,
                message: "private key cannot be exported for JWT signing: only in-memory EC and RSA keys are supported",
                cause: error
            )
        }
        do {
            if P256.Signing.PublicKey(publicKey) != nil {
                try self.init(P256.Signing.PrivateKey(pemRepresentation: pem), keyID: keyID, algorithm: algorithm ?? .es256)
            } else if P384.Signing.PublicKey(publicKey) != nil {
                try self.init(P384.Signing.PrivateKey(pemRepresentation: pem), keyID: keyID, algorithm: algorithm ?? .es384)
            } else if P521.Signing.PublicKey(publicKey) != nil {
                try self.init(P521.Signing.PrivateKey(pemRepresentation: pem), keyID: keyID, algorithm: algorithm ?? .es512)
            } else if _RSA.Signing.PublicKey(publicKey) != nil {
                try self.init(
                    _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem),
                    keyID: keyID,
                    algorithm: algorithm ?? .rs256
                )
            } else {
                throw SPIFFEError(
                    code: .unsupportedKeyType,
                    message: "private key type cannot sign JWT-SVIDs: JWT-SVID §2.1 allows EC P-256/P-384/P-521 and RSA keys"
                )
            }
        } catch let error as SPIFFEError {
            throw error
        } catch {
            throw SPIFFEError(
                code: .unsupportedKeyType,
                message: "private key could not be re-imported for JWT signing: only in-memory EC and RSA keys are supported",
                cause: error
            )
        }
    }

    private init(_ backing: Backing, publicKey: Certificate.PublicKey, keyID: String, algorithm: JWTAlgorithm) throws(SPIFFEError) {
        guard !keyID.isEmpty else {
            throw SPIFFEError(code: .invalidArgument, message: "kid is empty: JWT-SVID signing keys need a non-empty kid (SPEC §3.1)")
        }
        let fits: Bool
        switch (backing, algorithm.family) {
        case (.p256, .ecdsa(let curve)): fits = curve == .p256
        case (.p384, .ecdsa(let curve)): fits = curve == .p384
        case (.p521, .ecdsa(let curve)): fits = curve == .p521
        case (.rsa, .rsaPKCS1), (.rsa, .rsaPSS): fits = true
        default: fits = false
        }
        guard fits else {
            throw SPIFFEError(
                code: .keyAlgorithmMismatch,
                message: "alg \(algorithm.name) does not fit this key type: ES256 needs P-256, ES384 P-384, ES512 P-521, RS*/PS* RSA"
            )
        }
        self.backing = backing
        self.publicKey = publicKey
        self.keyID = keyID
        self.algorithm = algorithm
        self.encodedHeader = Base64URL.encode(CompactJSON.object([
            ("alg", CompactJSON.string(algorithm.name)), ("kid", CompactJSON.string(keyID)), ("typ", CompactJSON.string("JWT")),
        ]))
    }

    /// Signs the JWS signing input: raw `R ‖ S` for ES* (RFC 7518 §3.4, SPEC §3.5), PKCS#1 v1.5 or PSS for RS*/PS*.
    func sign(_ signingInput: [UInt8]) throws(SPIFFEError) -> [UInt8] {
        do {
            switch backing {
            case .p256(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .p384(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .p521(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .rsa(let key):
                let padding: _RSA.Signing.Padding = algorithm.family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
                let signature: _RSA.Signing.RSASignature
                switch algorithm.hash {
                case .sha256: signature = try key.signature(for: SHA256.hash(data: signingInput), padding: padding)
                case .sha384: signature = try key.signature(for: SHA384.hash(data: signingInput), padding: padding)
                case .sha512: signature = try key.signature(for: SHA512.hash(data: signingInput), padding: padding)
                }
                return Array(signature.rawRepresentation)
            }
        } catch {
            throw SPIFFEError(code: .invalidArgument, message: "signing with the \(algorithm.name) key failed", cause: error)
        }
    }
}

extension JWTSigningKey: Hashable {
    public static func == (lhs: JWTSigningKey, rhs: JWTSigningKey) -> Bool {
        lhs.keyID == rhs.keyID && lhs.algorithm == rhs.algorithm && lhs.publicKey == rhs.publicKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keyID)
        hasher.combine(algorithm)
        hasher.combine(publicKey)
    }
}
