import Logging
import SPIFFE
import SPIFFECA
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a journal document back into slots. An authority whose key the key manager no longer has (a `memory`
/// key manager after a restart, or a lost key file) is kept as *old*: still published until it expires, so SVIDs
/// it signed keep verifying, but never used to sign again.
struct CAJournalLoader {
    let settings: CAManager.Settings
    let keyManager: any KeyManager
    let logger: Logger

    struct Loaded {
        var x509Active: X509Slot?
        var x509Prepared: X509Slot?
        var x509Old: [X509Slot] = []
        var jwtActive: JWTAuthority?
        var jwtPrepared: JWTAuthority?
        var jwtOld: [JWTAuthority] = []
    }

    func load(_ document: CAJournalDocument, now: Date) async throws -> Loaded {
        var loaded = Loaded()
        for entry in document.x509 {
            let chain = try entry.chain.map(Self.certificate)
            let roots = try entry.roots.map(Self.certificate)
            guard let certificate = chain.first, certificate.notValidAfter > now else { continue }
            var slot = X509Slot(keyManagerID: entry.keyID, certificate: certificate, authority: nil, roots: roots)
            if entry.slot != .old, let key = try await keyManager.fetchKey(id: entry.keyID), key.publicKey == certificate.publicKey {
                slot.authority = X509Authority(certificate: certificate, privateKey: key, upstreamChain: roots.contains(certificate) ? [] : chain, roots: roots)
            } else if entry.slot != .old {
                logger.warning("CA key missing from the key manager; keeping its certificate published until it expires", metadata: ["key_id": "\(entry.keyID)"])
            }
            switch entry.slot {
            case .active where slot.authority != nil: loaded.x509Active = slot
            case .prepared where slot.authority != nil: loaded.x509Prepared = slot
            default: loaded.x509Old.append(slot)
            }
        }
        for entry in document.jwt {
            let notAfter = Date(timeIntervalSince1970: TimeInterval(entry.notAfter))
            guard notAfter > now else { continue }
            guard let keyData = Data(base64Encoded: entry.publicKey) else {
                throw CAError(.keyStorage, "CA journal holds a JWT public key that is not base64")
            }
            let keyBytes: [UInt8] = Array(keyData)
            let publicKey = try Certificate.PublicKey(derEncoded: keyBytes)
            var authority = JWTAuthority(
                keyManagerID: entry.keyID,
                kid: entry.kid,
                publicKey: publicKey,
                signingKey: nil,
                notBefore: Date(timeIntervalSince1970: Double(entry.notBefore)),
                notAfter: Date(timeIntervalSince1970: Double(entry.notAfter))
            )
            if entry.slot != .old, let key = try await keyManager.fetchKey(id: entry.keyID), key.publicKey == publicKey {
                authority.signingKey = try JWTSigningKey(key, keyID: entry.kid)
            }
            switch entry.slot {
            case .active where authority.signingKey != nil: loaded.jwtActive = authority
            case .prepared where authority.signingKey != nil: loaded.jwtPrepared = authority
            default: loaded.jwtOld.append(authority)
            }
        }
        return loaded
    }

    static func certificate(_ base64: String) throws -> Certificate {
        guard let data = Data(base64Encoded: base64) else {
            throw CAError(.keyStorage, "CA journal holds a certificate that is not base64")
        }
        return try Certificate(derEncoded: Array(data))
    }
}

/// Turns slots into a journal document.
enum CAJournalEncoder {
    static func encode(_ state: CAManager.State) -> CAJournalDocument {
        let (x509, jwt) = (state.x509, state.jwt)
        var document = CAJournalDocument()
        document.bundleSequence = state.bundle.sequenceNumber ?? 0
        document.taintedX509 = state.taintedX509.isEmpty ? nil : state.taintedX509.sorted()
        document.taintedJWT = state.taintedJWT.isEmpty ? nil : state.taintedJWT.sorted()
        state.appended.encode(into: &document)
        func x509Entry(_ slot: X509Slot, _ kind: CAJournalDocument.Slot) -> CAJournalDocument.X509Entry {
            // The CA certificate first, then the intermediates above it (X509Authority.upstreamChain holds the CA
            // certificate itself when it is an intermediate).
            let above = slot.authority?.upstreamChain.filter { $0 != slot.certificate } ?? []
            return CAJournalDocument.X509Entry(slot: kind, keyID: slot.keyManagerID, chain: ([slot.certificate] + above).map(base64), roots: slot.roots.map(base64))
        }
        func jwtEntry(_ authority: JWTAuthority, _ kind: CAJournalDocument.Slot) -> CAJournalDocument.JWTEntry {
            CAJournalDocument.JWTEntry(
                slot: kind,
                keyID: authority.keyManagerID,
                kid: authority.kid,
                publicKey: base64(authority.publicKey),
                notBefore: UnixTime.clampedSeconds(authority.notBefore),
                notAfter: UnixTime.clampedSeconds(authority.notAfter)
            )
        }
        document.x509.append(x509Entry(x509.active, .active))
        if let prepared = x509.prepared { document.x509.append(x509Entry(prepared, .prepared)) }
        document.x509 += x509.old.map { x509Entry($0, .old) }
        document.jwt.append(jwtEntry(jwt.active, .active))
        if let prepared = jwt.prepared { document.jwt.append(jwtEntry(prepared, .prepared)) }
        document.jwt += jwt.old.map { jwtEntry($0, .old) }
        return document
    }

    /// Base64 DER SubjectPublicKeyInfo.
    static func base64(_ key: Certificate.PublicKey) -> String {
        var serializer = DER.Serializer()
        try! serializer.serialize(key)
        return Data(serializer.serializedBytes).base64EncodedString()
    }

    static func base64(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return Data(serializer.serializedBytes).base64EncodedString()
    }
}
