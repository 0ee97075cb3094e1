/// A SPIFFE trust domain name, such as `example.org` (SPIFFE-ID §2.1).
///
/// A `TrustDomain` is always valid: non-empty, at most 255 bytes, only `[a-z0-9._-]`. No DNS rules apply, and
/// nothing is ever normalised: uppercase letters are rejected, not lowered (the go-spiffe and SPIRE verdict).
public struct TrustDomain: Sendable {
    /// The trust domain name, e.g. `example.org`.
    public let name: String

    /// Parses a trust domain name, or takes the trust domain of a SPIFFE ID given as `spiffe://name[/path]`.
    ///
    /// - Parameter string: a bare name such as `example.org`, or a full SPIFFE ID.
    /// - Throws: ``SPIFFEError/Code/invalidTrustDomain`` naming the broken rule, or
    ///   ``SPIFFEError/Code/invalidSPIFFEID`` when the input has the form of an ID and the ID is invalid.
    public init(_ string: String) throws(SPIFFEError) {
        let bytes = Array(string.utf8)
        if Self.containsColonSlash(bytes) {
            self = try SPIFFEID(string).trustDomain
            return
        }
        try Self.validateName(bytes[...], whole: bytes)
        self.name = string
    }

    /// Creates a trust domain from bytes already validated by the SPIFFE ID parser.
    init(validatedName: String) {
        self.name = validatedName
    }

    /// The SPIFFE ID of the trust domain itself, `spiffe://<name>`. It names the trust domain or its signing
    /// authorities; a leaf SVID never carries it.
    public var id: SPIFFEID { SPIFFEID(validatedTrustDomain: self, path: "") }

    /// The trust domain's ID as a string, `spiffe://<name>`: the key form used in Workload API bundle maps.
    public var idString: String { "spiffe://" + name }

    /// Checks a trust domain name against SPIFFE-ID §2.1 and §2.3.
    static func validateName(_ name: ArraySlice<UInt8>, whole: [UInt8]) throws(SPIFFEError) {
        guard !name.isEmpty else {
            throw SPIFFEError(
                code: .invalidTrustDomain,
                message: "trust domain is missing: a SPIFFE ID needs a non-empty trust domain name, as in spiffe://example.org/path"
            )
        }
        guard name.count <= SPIFFEIDCharacters.maximumTrustDomainLength else {
            throw SPIFFEError(
                code: .invalidTrustDomain,
                message: "trust domain is \(name.count) bytes long: at most \(SPIFFEIDCharacters.maximumTrustDomainLength) are allowed"
            )
        }
        for index in name.indices where !SPIFFEIDCharacters.isTrustDomainByte(name[index]) {
            let found = SPIFFEIDCharacters.describe(name[index])
            let hint = (name[index] >= 0x41 && name[index] <= 0x5A) ? " (uppercase is rejected, not lowered)" : ""
            throw SPIFFEError(
                code: .invalidTrustDomain,
                message: "trust domain characters are limited to lowercase letters, digits, dots, dashes and underscores: found \(found) at byte \(index)\(hint) in \(SPIFFEIDCharacters.quote(whole))"
            )
        }
    }

    private static func containsColonSlash(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        for i in 0..<(bytes.count - 1) where bytes[i] == 0x3A && bytes[i + 1] == 0x2F {
            return true
        }
        return false
    }
}

extension TrustDomain: Hashable {}

extension TrustDomain: Comparable {
    public static func < (lhs: TrustDomain, rhs: TrustDomain) -> Bool {
        lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
    }
}

extension TrustDomain: CustomStringConvertible {
    public var description: String { name }
}

extension TrustDomain: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
