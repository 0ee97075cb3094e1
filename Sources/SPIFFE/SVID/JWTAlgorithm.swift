/// A JWS signature algorithm allowed for JWT-SVIDs: one of `RS256 RS384 RS512 ES256 ES384 ES512 PS256 PS384 PS512`
/// (JWT-SVID §2.1, SPEC §3.1).
///
/// No other value can be represented: `none`, the `HS*` family and `EdDSA` are rejected while parsing, before
/// anything else in the token is looked at (SPEC §3.3 step 2).
public struct JWTAlgorithm: Sendable, Hashable {
    /// The `alg` header value, e.g. `ES256`.
    public let name: String
    let family: Family
    let hash: Hash

    enum Family: Sendable, Hashable {
        /// ECDSA on the curve whose size matches the hash (RFC 7518 §3.4).
        case ecdsa(ECCurve)
        /// RSASSA-PKCS1-v1_5 (RFC 7518 §3.3).
        case rsaPKCS1
        /// RSASSA-PSS with MGF1 and a salt as long as the hash (RFC 7518 §3.5).
        case rsaPSS
    }

    enum Hash: Sendable, Hashable {
        case sha256
        case sha384
        case sha512
    }

    private init(_ name: String, _ family: Family, _ hash: Hash) {
        self.name = name
        self.family = family
        self.hash = hash
    }

    /// ECDSA P-256 with SHA-256: SPIRE's default (SPEC §3.4).
    public static let es256 = JWTAlgorithm("ES256", .ecdsa(.p256), .sha256)
    /// ECDSA P-384 with SHA-384.
    public static let es384 = JWTAlgorithm("ES384", .ecdsa(.p384), .sha384)
    /// ECDSA P-521 with SHA-512.
    public static let es512 = JWTAlgorithm("ES512", .ecdsa(.p521), .sha512)
    /// RSASSA-PKCS1-v1_5 with SHA-256: what SPIRE uses for RSA keys (SPEC §3.4).
    public static let rs256 = JWTAlgorithm("RS256", .rsaPKCS1, .sha256)
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    public static let rs384 = JWTAlgorithm("RS384", .rsaPKCS1, .sha384)
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    public static let rs512 = JWTAlgorithm("RS512", .rsaPKCS1, .sha512)
    /// RSASSA-PSS with SHA-256.
    public static let ps256 = JWTAlgorithm("PS256", .rsaPSS, .sha256)
    /// RSASSA-PSS with SHA-384.
    public static let ps384 = JWTAlgorithm("PS384", .rsaPSS, .sha384)
    /// RSASSA-PSS with SHA-512.
    public static let ps512 = JWTAlgorithm("PS512", .rsaPSS, .sha512)

    /// The nine algorithms of JWT-SVID §2.1.
    public static let allowed: [JWTAlgorithm] = [.rs256, .rs384, .rs512, .es256, .es384, .es512, .ps256, .ps384, .ps512]

    /// The algorithm whose `alg` value is `name` (case-sensitive), or `nil` when JWT-SVID §2.1 does not allow it.
    public init?(name: String) {
        guard let algorithm = Self.allowed.first(where: { $0.name == name }) else { return nil }
        self = algorithm
    }
}

extension JWTAlgorithm: CustomStringConvertible {
    /// The `alg` header value.
    public var description: String { name }
}
