/// What the server persists about its authorities in the datastore's CA journal, so that a restart finds the same
/// CA (keys themselves stay in the key manager; this holds certificates, slots and key IDs). JSON, versioned.
struct CAJournalDocument: Codable, Sendable, Hashable {
    struct X509Entry: Codable, Sendable, Hashable {
        var slot: Slot
        /// The key manager's ID for the CA key.
        var keyID: String
        /// Base64 DER: the CA certificate, then its upstream intermediates.
        var chain: [String]
        /// Base64 DER: the roots published in the bundle.
        var roots: [String]
    }

    struct JWTEntry: Codable, Sendable, Hashable {
        var slot: Slot
        var keyID: String
        /// The `kid` published in the bundle.
        var kid: String
        /// Base64 DER SubjectPublicKeyInfo, so that old keys stay published without their private key.
        var publicKey: String
        var notBefore: Int64
        var notAfter: Int64
    }

    enum Slot: String, Codable, Sendable {
        case active
        case prepared
        case old
    }

    var version = 1
    var x509: [X509Entry] = []
    var jwt: [JWTEntry] = []
    var bundleSequence: UInt64 = 0
    /// Subject key IDs (lower-case hex) of tainted X.509 roots; absent when none (and in journals written before
    /// tainting existed).
    var taintedX509: [String]?
    /// `kid`s of tainted JWT keys.
    var taintedJWT: [String]?
    /// Base64 DER certificates appended to the bundle (SPIRE's AppendBundle).
    var appendedX509: [String]?
    /// JWT keys appended to the bundle.
    var appendedJWT: [AppendedJWTEntry]?

    struct AppendedJWTEntry: Codable, Sendable, Hashable {
        var kid: String
        /// Base64 DER SubjectPublicKeyInfo.
        var publicKey: String
        /// Unix seconds; absent when the key was appended without an expiry.
        var expiresAt: Int64?
    }
}
