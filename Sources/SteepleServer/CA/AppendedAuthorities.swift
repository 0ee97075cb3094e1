import SPIFFE
import SPIFFECA
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Authorities an operator appended to the trust domain's own bundle with SPIRE's `AppendBundle` (roots of another
/// PKI that workloads must also trust, a JWT key that something outside the CA signs with). The CA publishes them
/// beside its own until they expire; they are kept in the CA journal.
struct AppendedAuthorities: Sendable, Hashable {
    struct JWTKey: Sendable, Hashable {
        var publicKey: Certificate.PublicKey
        /// `nil` when appended without an expiry: published until revoked.
        var expiresAt: Date?
    }

    var x509: [Certificate] = []
    var jwt: [String: JWTKey] = [:]

    init() {}

    init(journal document: CAJournalDocument) throws {
        x509 = try (document.appendedX509 ?? []).map(CAJournalLoader.certificate)
        for entry in document.appendedJWT ?? [] {
            guard let der = Data(base64Encoded: entry.publicKey) else {
                throw CAError(.keyStorage, "CA journal holds an appended JWT key that is not base64")
            }
            jwt[entry.kid] = JWTKey(
                publicKey: try Certificate.PublicKey(derEncoded: Array(der)),
                expiresAt: entry.expiresAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    func encode(into document: inout CAJournalDocument) {
        document.appendedX509 = x509.isEmpty ? nil : x509.map(CAJournalEncoder.base64)
        document.appendedJWT = jwt.isEmpty ? nil : jwt.sorted { $0.key < $1.key }.map { kid, key in
            CAJournalDocument.AppendedJWTEntry(
                kid: kid, publicKey: CAJournalEncoder.base64(key.publicKey), expiresAt: key.expiresAt.map { UnixTime.clampedSeconds($0) })
        }
    }

    /// Drops what has expired at `now`. Returns what was dropped (a shared bundle must lose it too).
    mutating func pruneExpired(now: Date) -> (x509: [Certificate], jwt: [String]) {
        let expiredRoots = x509.filter { $0.notValidAfter <= now }
        let expiredKids = jwt.filter { $0.value.expiresAt.map { $0 <= now } ?? false }.map(\.key).sorted()
        x509.removeAll { $0.notValidAfter <= now }
        for kid in expiredKids { jwt[kid] = nil }
        return (expiredRoots, expiredKids)
    }
}
