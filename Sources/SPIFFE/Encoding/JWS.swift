import Crypto
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded but not verified, with its JOSE header checked
/// against JWT-SVID §2 (SPEC §3.1, §3.3 steps 1–2).
struct JWS: Sendable {
    /// The validated header.
    let header: JWSHeader
    /// The decoded payload (the JWT claims set as JSON bytes).
    let payload: [UInt8]
    /// The decoded signature bytes.
    let signature: [UInt8]
    /// `BASE64URL(header) '.' BASE64URL(payload)`: the bytes the signature covers (RFC 7515 §5.1).
    let signingInput: [UInt8]

    /// Splits and decodes a compact JWS.
    ///
    /// The checks run in this order: three dot-separated parts (JWS JSON serialization is not allowed, JWT-SVID §1);
    /// the header is a base64url JSON object; `alg` is allowed, before any other header member is read
    /// (JWT-SVID §2.1, §4); no header member other than `alg`, `kid` and `typ` (JWT-SVID §2); `typ` is absent or
    /// `JWT`/`JOSE` (JWT-SVID §2.3); `kid` is a non-empty string (SPEC §3.1); then the payload and signature decode.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedJWT``, ``SPIFFEError/Code/unsupportedAlgorithm``,
    ///   ``SPIFFEError/Code/unexpectedHeader``, ``SPIFFEError/Code/invalidTokenType`` or
    ///   ``SPIFFEError/Code/missingKeyID``.
    /// - Parameter strictHeader: `false` for JWTs that are not JWT-SVIDs (cloud identity tokens): header members
    ///   other than `alg` and `kid`, and any `typ`, are then ignored (``VerifiedJWS``).
    init(compact token: String, strictHeader: Bool = true) throws(SPIFFEError) {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw SPIFFEError(
                code: .malformedJWT,
                message: "token has \(parts.count) dot-separated parts: a JWS compact serialization has exactly 3 (header.payload.signature)"
            )
        }
        guard let headerBytes = Base64URL.decode(Substring(parts[0])) else {
            throw SPIFFEError(code: .malformedJWT, message: "token header is not base64url without padding")
        }
        self.header = try JWSHeader(json: headerBytes, strict: strictHeader)
        guard let payload = Base64URL.decode(Substring(parts[1])), !payload.isEmpty else {
            throw SPIFFEError(code: .malformedJWT, message: "token payload is empty or not base64url without padding")
        }
        guard let signature = Base64URL.decode(Substring(parts[2])) else {
            throw SPIFFEError(code: .malformedJWT, message: "token signature is not base64url without padding")
        }
        self.payload = payload
        self.signature = signature
        self.signingInput = Array(token.utf8.prefix(parts[0].count + 1 + parts[1].count))
    }

    /// Decodes JSON bytes as an object, member by member.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedJWT`` naming `what` when the bytes are not a JSON object.
    static func decodeObject(_ bytes: [UInt8], what: String) throws(SPIFFEError) -> [String: JSONValue] {
        do {
            return try JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
        } catch {
            throw SPIFFEError(code: .malformedJWT, message: "token \(what) is not a JSON object", cause: error)
        }
    }
}

/// A JOSE header holding only what JWT-SVID §2 allows: `alg`, `kid` and optionally `typ`.
struct JWSHeader: Sendable, Hashable {
    /// `alg`, one of the nine JWT-SVID algorithms.
    let algorithm: JWTAlgorithm
    /// `kid`, never empty.
    let keyID: String

    /// See ``JWS/init(compact:strictHeader:)`` for the order of the checks; `strict: false` skips the header member
    /// and `typ` checks.
    init(json: [UInt8], strict: Bool = true) throws(SPIFFEError) {
        let object = try JWS.decodeObject(json, what: "header")
        guard let algValue = object["alg"] else {
            throw SPIFFEError(code: .malformedJWT, message: "token header has no \"alg\": RFC 7515 §4.1.1 requires it")
        }
        guard let name = algValue.string, let algorithm = JWTAlgorithm(name: name) else {
            throw SPIFFEError(
                code: .unsupportedAlgorithm,
                message: "token alg \(Self.describe(algValue)) is not allowed: JWT-SVID §2.1 allows only \(JWTAlgorithm.allowed.map(\.name).joined(separator: ", "))"
            )
        }
        let unexpected = object.keys.filter { !["alg", "kid", "typ"].contains($0) }.sorted()
        guard unexpected.isEmpty || !strict else {
            throw SPIFFEError(
                code: .unexpectedHeader,
                message: "token header has \(unexpected.map { "\"\($0)\"" }.joined(separator: ", ")): JWT-SVID §2 allows only alg, kid and typ"
            )
        }
        if strict, let typ = object["typ"], typ.string != "JWT", typ.string != "JOSE" {
            throw SPIFFEError(
                code: .invalidTokenType,
                message: "token typ \(Self.describe(typ)) is not allowed: JWT-SVID §2.3 allows JWT or JOSE, or no typ"
            )
        }
        guard let kidValue = object["kid"] else {
            throw SPIFFEError(code: .missingKeyID, message: "token header has no \"kid\": it is needed to choose the authority (SPEC §3.1)")
        }
        guard let keyID = kidValue.string, !keyID.isEmpty else {
            throw SPIFFEError(code: .missingKeyID, message: "token kid \(Self.describe(kidValue)) is not a non-empty string")
        }
        self.algorithm = algorithm
        self.keyID = keyID
    }

    /// A short, safe rendering of a header value for messages.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): "\"\(string.prefix(32))\""
        case .null: "null"
        case .bool, .integer, .double: "of non-string type"
        case .array, .object: "of non-string type"
        }
    }
}

// MARK: - Verification

extension JWTAlgorithm {
    /// Checks `signature` over `signingInput` with `publicKey` (SPEC §3.3 step 4, §3.5).
    ///
    /// ES signatures are raw `R ‖ S`, each at curve length (RFC 7518 §3.4); RSA signatures are the modulus length.
    ///
    /// - Throws: ``SPIFFEError/Code/keyAlgorithmMismatch`` when the key type does not fit the algorithm (ES256 needs
    ///   P-256, ES384 P-384, ES512 P-521, RS*/PS* RSA), ``SPIFFEError/Code/invalidSignature`` when the signature
    ///   does not verify.
    func verify(signature: [UInt8], signingInput: [UInt8], publicKey: Certificate.PublicKey) throws(SPIFFEError) {
        let valid: Bool
        switch family {
        case .ecdsa(let curve):
            switch curve {
            case .p256:
                guard let key = P256.Signing.PublicKey(publicKey) else { throw mismatch(curve.name) }
                valid = (try? P256.Signing.ECDSASignature(rawRepresentation: signature))
                    .map { key.isValidSignature($0, for: signingInput) } ?? false
            case .p384:
                guard let key = P384.Signing.PublicKey(publicKey) else { throw mismatch(curve.name) }
                valid = (try? P384.Signing.ECDSASignature(rawRepresentation: signature))
                    .map { key.isValidSignature($0, for: signingInput) } ?? false
            default:
                guard let key = P521.Signing.PublicKey(publicKey) else { throw mismatch(curve.name) }
                valid = (try? P521.Signing.ECDSASignature(rawRepresentation: signature))
                    .map { key.isValidSignature($0, for: signingInput) } ?? false
            }
        case .rsaPKCS1, .rsaPSS:
            guard let key = _RSA.Signing.PublicKey(publicKey) else { throw mismatch("RSA") }
            let padding: _RSA.Signing.Padding = family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch hash {
            case .sha256: valid = key.isValidSignature(rsaSignature, for: SHA256.hash(data: signingInput), padding: padding)
            case .sha384: valid = key.isValidSignature(rsaSignature, for: SHA384.hash(data: signingInput), padding: padding)
            case .sha512: valid = key.isValidSignature(rsaSignature, for: SHA512.hash(data: signingInput), padding: padding)
            }
        }
        guard valid else {
            throw SPIFFEError(code: .invalidSignature, message: "token signature does not verify with the \(name) authority key")
        }
    }

    private func mismatch(_ needed: String) -> SPIFFEError {
        SPIFFEError(
            code: .keyAlgorithmMismatch,
            message: "token alg \(name) needs a \(needed) key, but the authority with its kid holds another key type"
        )
    }
}
