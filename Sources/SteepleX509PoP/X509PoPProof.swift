package import Crypto
package import _CryptoExtras
package import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Both halves of SPIRE's x509pop proof of possession: the server's challenge for a leaf's key type, the agent's
/// answer, and its verification. The signed value is SHA-256(server nonce ‖ agent nonce), used as the hash itself:
/// ECDSA over that digest (r and s sent apart), RSA-PSS with SHA-256 over it (any salt length is verified).
package enum X509PoPProof {
    /// A challenge for `leaf`'s key, which must be meant for signatures (SPIRE refuses a leaf whose key usage lacks
    /// digitalSignature, or has no key usage at all).
    package static func challenge(for leaf: Certificate) throws -> X509PoPMessages.Challenge {
        guard let usage = try? leaf.extensions.keyUsage, usage.digitalSignature else {
            throw X509PoPError(.internalError, "unable to generate challenge: certificate not intended for digital signature use (its key usage needs digitalSignature)")
        }
        let nonce = X509PoPMessages.Nonce(nonce: Data(randomNonce()))
        if _RSA.Signing.PublicKey(leaf.publicKey) != nil { return .init(rsaSignature: nonce) }
        if P256.Signing.PublicKey(leaf.publicKey) != nil || P384.Signing.PublicKey(leaf.publicKey) != nil
            || P521.Signing.PublicKey(leaf.publicKey) != nil
        {
            return .init(ecdsaSignature: nonce)
        }
        throw X509PoPError(.internalError, "unable to generate challenge: unsupported public key type (x509pop takes RSA or ECDSA P-256, P-384, P-521)")
    }

    /// The agent's answer to `challenge` with `key`.
    package static func response(to challenge: X509PoPMessages.Challenge, with key: X509PoPSigningKey) throws -> X509PoPMessages.Response {
        let nonce = randomNonce()
        switch key {
        case .rsa(let key):
            guard let theirs = challenge.rsaSignature else { throw X509PoPError(.invalidArgument, "expecting RSA challenge") }
            let digest = try combined(Array(theirs.nonce), nonce)
            let signature = try key.signature(for: digest, padding: .PSS)
            return .init(rsaSignature: .init(nonce: Data(nonce), signature: Data(signature.rawRepresentation)))
        case .p256, .p384, .p521:
            guard let theirs = challenge.ecdsaSignature else { throw X509PoPError(.invalidArgument, "expecting ECDSA challenge") }
            let digest = try combined(Array(theirs.nonce), nonce)
            let raw: [UInt8]
            switch key {
            case .p256(let key): raw = Array(try key.signature(for: digest).rawRepresentation)
            case .p384(let key): raw = Array(try key.signature(for: digest).rawRepresentation)
            case .p521(let key): raw = Array(try key.signature(for: digest).rawRepresentation)
            case .rsa: raw = []
            }
            let half = raw.count / 2
            return .init(ecdsaSignature: .init(nonce: Data(nonce), r: Data(minimal(raw[..<half])), s: Data(minimal(raw[half...]))))
        }
    }

    /// Checks `response` against `challenge` for `leaf`'s key; throws SPIRE's reasons.
    package static func verify(_ response: X509PoPMessages.Response, to challenge: X509PoPMessages.Challenge, leaf: Certificate) throws {
        if let rsa = _RSA.Signing.PublicKey(leaf.publicKey) {
            guard let theirs = challenge.rsaSignature else { throw X509PoPError(.permissionDenied, "expecting RSA challenge") }
            guard let answer = response.rsaSignature else { throw X509PoPError(.permissionDenied, "expecting RSA response") }
            let digest = try combined(Array(theirs.nonce), Array(answer.nonce))
            // swift-crypto checks a 32-byte salt (Steeple's agent); a stock SPIRE agent uses the longest salt its key
            // allows, which only RSAPSSVerifier (any salt length, as Go's verifier) accepts.
            let signature = _RSA.Signing.RSASignature(rawRepresentation: answer.signature)
            guard rsa.isValidSignature(signature, for: digest, padding: .PSS)
                || RSAPSSVerifier.isValid(signature: Array(answer.signature), digest: Array(digest), subjectPublicKeyInfo: Array(rsa.derRepresentation))
            else {
                throw X509PoPError(.permissionDenied, "RSA signature verify failed")
            }
            return
        }
        guard let theirs = challenge.ecdsaSignature else { throw X509PoPError(.permissionDenied, "expecting ECDSA challenge") }
        guard let answer = response.ecdsaSignature else { throw X509PoPError(.permissionDenied, "expecting ECDSA response") }
        let digest = try combined(Array(theirs.nonce), Array(answer.nonce))
        let valid: Bool
        if let key = P256.Signing.PublicKey(leaf.publicKey) {
            valid = (try? P256.Signing.ECDSASignature(rawRepresentation: padded(answer.r, 32) + padded(answer.s, 32)))
                .map { key.isValidSignature($0, for: digest) } ?? false
        } else if let key = P384.Signing.PublicKey(leaf.publicKey) {
            valid = (try? P384.Signing.ECDSASignature(rawRepresentation: padded(answer.r, 48) + padded(answer.s, 48)))
                .map { key.isValidSignature($0, for: digest) } ?? false
        } else if let key = P521.Signing.PublicKey(leaf.publicKey) {
            valid = (try? P521.Signing.ECDSASignature(rawRepresentation: padded(answer.r, 66) + padded(answer.s, 66)))
                .map { key.isValidSignature($0, for: digest) } ?? false
        } else {
            throw X509PoPError(.permissionDenied, "unsupported public key type (x509pop takes RSA or ECDSA P-256, P-384, P-521)")
        }
        guard valid else { throw X509PoPError(.permissionDenied, "ECDSA signature verify failed") }
    }

    /// The size in bits of `certificate`'s key when it is RSA (for SPIRE's `max_rsa_key_size`).
    package static func rsaKeySize(of certificate: Certificate) -> Int? {
        _RSA.Signing.PublicKey(certificate.publicKey)?.keySizeInBits
    }

    /// SHA-256 of both nonces, each exactly 32 bytes.
    static func combined(_ challenge: [UInt8], _ response: [UInt8]) throws -> SHA256Digest {
        guard challenge.count == X509PoPMessages.nonceLength else { throw X509PoPError(.permissionDenied, "invalid challenge nonce") }
        guard response.count == X509PoPMessages.nonceLength else { throw X509PoPError(.permissionDenied, "invalid response nonce") }
        return SHA256.hash(data: challenge + response)
    }

    static func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<X509PoPMessages.nonceLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Go's `big.Int.Bytes`: big-endian without leading zeros.
    static func minimal<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] { Array(bytes.drop { $0 == 0 }) }

    /// Left-pads a big-endian integer to `length` bytes; one longer than that cannot be a signature half.
    static func padded(_ bytes: Data, _ length: Int) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        guard trimmed.count <= length else { return [] }
        return [UInt8](repeating: 0, count: length - trimmed.count) + trimmed
    }
}

/// The agent's x509pop private key, in the forms SPIRE's agent reads (PKCS#8, SEC 1 or PKCS#1 PEM).
package enum X509PoPSigningKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)

    package init(pemEncoded pem: String) throws {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p521(key)
        } else if let key = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
            self = .rsa(key)
        } else {
            throw X509PoPError(.invalidArgument, "not an RSA or ECDSA P-256, P-384 or P-521 private key in PEM")
        }
    }

    /// The public key, to check the key against the certificate.
    package var publicKey: Certificate.PublicKey {
        switch self {
        case .rsa(let key): Certificate.PublicKey(key.publicKey)
        case .p256(let key): Certificate.PublicKey(key.publicKey)
        case .p384(let key): Certificate.PublicKey(key.publicKey)
        case .p521(let key): Certificate.PublicKey(key.publicKey)
        }
    }
}
