#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// SPIRE's x509pop messages (its `pkg/common/plugin/x509pop`), carried as JSON in AttestAgent's payload, challenge
/// and challenge response, so that a stock SPIRE agent attests to a Steeple server (Steeple's own agent speaks the
/// same messages inside Steeple's agent API). Byte strings are base64 (standard alphabet, padded), as Go's
/// `encoding/json` writes `[]byte`.
package enum X509PoPMessages {
    /// The length of either side's nonce.
    package static let nonceLength = 32

    /// The agent's first message: its certificate chain, leaf first, each DER.
    package struct AttestationData: Codable, Sendable {
        package var certificates: [Data]
        package init(certificates: [Data]) { self.certificates = certificates }
    }

    /// SPIRE's Challenge and Response shape: one part per signature kind, the part present naming the kind (Go
    /// writes the other as `null`).
    package struct BySignatureKind<RSAPart: Codable & Sendable, ECDSAPart: Codable & Sendable>: Codable, Sendable {
        package var rsaSignature: RSAPart?
        package var ecdsaSignature: ECDSAPart?

        enum CodingKeys: String, CodingKey {
            case rsaSignature = "rsa_signature"
            case ecdsaSignature = "ecdsa_signature"
        }

        package init(rsaSignature: RSAPart? = nil, ecdsaSignature: ECDSAPart? = nil) {
            self.rsaSignature = rsaSignature
            self.ecdsaSignature = ecdsaSignature
        }
    }

    /// The server's nonce, under the key that names the signature it wants.
    package typealias Challenge = BySignatureKind<Nonce, Nonce>
    /// The agent's nonce and its signature over SHA-256(server nonce ‖ agent nonce).
    package typealias Response = BySignatureKind<RSAAnswer, ECDSAAnswer>

    package struct Nonce: Codable, Sendable, Equatable {
        package var nonce: Data
        package init(nonce: Data) { self.nonce = nonce }
    }

    package struct RSAAnswer: Codable, Sendable {
        package var nonce: Data
        package var signature: Data
        package init(nonce: Data, signature: Data) {
            self.nonce = nonce
            self.signature = signature
        }
    }

    package struct ECDSAAnswer: Codable, Sendable {
        package var nonce: Data
        /// Big-endian, without leading zeros (Go's `big.Int.Bytes`).
        package var r: Data
        package var s: Data
        package init(nonce: Data, r: Data, s: Data) {
            self.nonce = nonce
            self.r = r
            self.s = s
        }
    }

    package static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these value types cannot fail: no floats, no custom encoders.
        return Array((try? encoder.encode(value)) ?? Data())
    }

    /// Decodes `bytes` as `T`, or throws ``X509PoPError`` naming `what` and what was wrong.
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw X509PoPError(.invalidArgument, "failed to unmarshal \(what): expected SPIRE's x509pop JSON (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not JSON" : "\(path): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// Why an x509pop exchange failed, with the gRPC-style kind SPIRE answers it with.
package struct X509PoPError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case invalidArgument, permissionDenied, internalError }
    package let kind: Kind
    package let message: String
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    package var description: String { message }
}
