public import X509
import SwiftASN1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The signing keys of an identity provider by `kid`, for verifying JWTs that are not JWT-SVIDs (``VerifiedJWS``),
/// such as cloud instance identity tokens.
///
/// Two documents are understood:
/// - an RFC 7517 JWK Set, `{"keys":[…]}`, as OIDC providers publish it (Google's
///   `https://www.googleapis.com/oauth2/v3/certs`, Microsoft's `…/discovery/v2.0/keys`): a key is used when its `use`
///   is absent or `sig` and it has a `kid`; key types this module does not understand (and RSA moduli under 2048 bits)
///   are ignored;
/// - a JSON object of PEM certificates by `kid`, as Google's `https://www.googleapis.com/oauth2/v1/certs` (SPIRE's
///   source) serves it: each certificate's public key.
public struct JWSKeySet: Sendable {
    /// The public keys, by `kid`.
    public let keys: [String: Certificate.PublicKey]

    /// A key set of these keys, by `kid`.
    public init(keys: [String: Certificate.PublicKey]) {
        self.keys = keys
    }

    /// Parses either document form.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` when the bytes are neither form, a used JWK has broken
    ///   parameters or a certificate does not parse; ``SPIFFEError/Code/duplicateKeyID`` when two JWKs share a `kid`.
    public init(json: some Collection<UInt8>) throws(SPIFFEError) {
        let bytes = Array(json)
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
        } catch {
            throw SPIFFEError(code: .malformedBundle, message: "key set is not a JSON object (a JWK Set or PEM certificates by kid)", cause: error)
        }
        if object["keys"] != nil {
            let jwks = try JWKS(json: bytes)
            var keys: [String: Certificate.PublicKey] = [:]
            for (index, jwk) in jwks.keys.enumerated() where jwk.use == nil || jwk.use == "sig" {
                guard let kid = jwk.kid, !kid.isEmpty else { continue }
                guard let key = try jwk.publicKey(label: "key set key \(index)") else { continue }
                guard keys[kid] == nil else {
                    throw SPIFFEError(code: .duplicateKeyID, message: "key set key \(index) repeats kid \"\(kid.prefix(64))\"")
                }
                keys[kid] = key
            }
            self.keys = keys
            return
        }
        var keys: [String: Certificate.PublicKey] = [:]
        for (kid, value) in object {
            guard let pem = value.string else {
                throw SPIFFEError(code: .malformedBundle, message: "key set member \"\(kid.prefix(64))\" is not a PEM certificate string")
            }
            do {
                keys[kid] = try Certificate(pemEncoded: pem).publicKey
            } catch {
                throw SPIFFEError(code: .malformedBundle, message: "key set member \"\(kid.prefix(64))\" is not a PEM certificate", cause: error)
            }
        }
        self.keys = keys
    }
}
