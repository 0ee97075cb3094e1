import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JWK Set document (RFC 7517 §5): the form of SPIFFE bundles (with `use` and the `spiffe_*` members, SPEC §4.1)
/// and of Workload API JWT bundles (plain, SPEC §4.4). Unknown top-level members are ignored (SPEC §4.2).
struct JWKS: Sendable, Hashable {
    /// `keys`. Always written, possibly as `[]`.
    var keys: [JWK]
    /// `spiffe_sequence` (SPIFFE Trust Domain and Bundle §4.1.1).
    var sequence: UInt64?
    /// `spiffe_refresh_hint`, in seconds (§4.1.2).
    var refreshHint: Int64?

    init(keys: [JWK], sequence: UInt64? = nil, refreshHint: Int64? = nil) {
        self.keys = keys
        self.sequence = sequence
        self.refreshHint = refreshHint
    }

    /// Decodes a JWK Set document.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` when the bytes are not a JSON object, `keys` is missing
    ///   (it MUST be present, SPEC §4.1), a member has the wrong JSON type, or `spiffe_refresh_hint` is negative.
    init(json: some Collection<UInt8>) throws(SPIFFEError) {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(json))
        } catch {
            throw SPIFFEError(code: .malformedBundle, message: "bundle is not a JSON JWK Set document", cause: error)
        }
        guard let keys = document.keys else {
            throw SPIFFEError(code: .malformedBundle, message: "bundle has no \"keys\" member: it MUST be present, even as [] (SPEC §4.1)")
        }
        if let hint = document.refreshHint, hint < 0 {
            throw SPIFFEError(code: .malformedBundle, message: "bundle spiffe_refresh_hint is \(hint): it must be a non-negative number of seconds")
        }
        self.init(keys: keys, sequence: document.sequence, refreshHint: document.refreshHint)
    }

    /// Compact JSON with sorted members and unescaped slashes.
    var jsonRepresentation: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = Document(keys: keys, sequence: sequence, refreshHint: refreshHint)
        // Strings, integers and arrays of them always encode.
        return Array(try! encoder.encode(document))
    }

    private struct Document: Codable {
        var keys: [JWK]?
        var sequence: UInt64?
        var refreshHint: Int64?

        enum CodingKeys: String, CodingKey {
            case keys
            case sequence = "spiffe_sequence"
            case refreshHint = "spiffe_refresh_hint"
        }
    }
}

// MARK: - Authorities

extension JWKS {
    /// The `use` of X.509 authorities (X509-SVID §6.1).
    static let x509SVIDUse = "x509-svid"
    /// The `use` of JWT authorities (JWT-SVID §6.1).
    static let jwtSVIDUse = "jwt-svid"

    /// The JWT authorities by `kid`, following the consumer rules of SPEC §4.2.
    ///
    /// A JWK is ignored when its `use` is another value (or, unless `useOptional`, absent), when its key type is not
    /// understood (``JWK/publicKey(label:)``) or when it has no `kid` (SPIFFE bundles MUST set it, JWT-SVID §6.1;
    /// the spec says to ignore such an entry).
    ///
    /// - Parameter useOptional: `true` for the plain JWKS of the Workload API, whose keys carry no `use`
    ///   (SPEC §4.4).
    /// - Throws: ``SPIFFEError/Code/duplicateKeyID`` when two authorities share a `kid`,
    ///   ``SPIFFEError/Code/malformedBundle`` when a used key's parameters are broken.
    func jwtAuthorities(useOptional: Bool) throws(SPIFFEError) -> [String: Certificate.PublicKey] {
        var authorities: [String: Certificate.PublicKey] = [:]
        for (index, jwk) in keys.enumerated() {
            switch jwk.use {
            case Self.jwtSVIDUse?: break
            case nil where useOptional: break
            default: continue
            }
            guard let kid = jwk.kid, !kid.isEmpty else { continue }
            guard let key = try jwk.publicKey(label: "bundle key \(index)") else { continue }
            guard authorities[kid] == nil else {
                throw SPIFFEError(
                    code: .duplicateKeyID,
                    message: "bundle key \(index) repeats kid \"\(kid.prefix(64))\": each JWT authority needs its own kid"
                )
            }
            authorities[kid] = key
        }
        return authorities
    }

    /// The X.509 authorities, following the consumer rules of SPEC §4.2 and X509-SVID §6.2.
    ///
    /// Only `use: x509-svid` JWKs count. One is ignored when `x5c` is missing or empty, when its key type is not
    /// understood, or when its key parameters are not the public key of `x5c[0]` (go-jose refuses such keys,
    /// SPEC §4.1, so it is not trusted). Entries after `x5c[0]` are ignored. An authority listed twice is kept once.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedBundle`` when `x5c[0]` is not standard base64 of a DER certificate, or
    ///   when the key parameters are broken.
    func x509Authorities() throws(SPIFFEError) -> [Certificate] {
        var authorities: [Certificate] = []
        for (index, jwk) in keys.enumerated() where jwk.use == Self.x509SVIDUse {
            guard let first = jwk.x5c?.first else { continue }
            guard let key = try jwk.publicKey(label: "bundle key \(index)") else { continue }
            guard let der = Data(base64Encoded: first) else {
                throw SPIFFEError(
                    code: .malformedBundle,
                    message: "bundle key \(index) has an x5c entry that is not standard base64 (RFC 7517 §4.7)"
                )
            }
            let certificate: Certificate
            do {
                certificate = try Certificate(derEncoded: Array(der))
            } catch {
                throw SPIFFEError(
                    code: .malformedBundle,
                    message: "bundle key \(index) has an x5c entry that is not a DER X.509 certificate",
                    cause: error
                )
            }
            guard key == certificate.publicKey else { continue }
            if !authorities.contains(certificate) { authorities.append(certificate) }
        }
        return authorities
    }
}
