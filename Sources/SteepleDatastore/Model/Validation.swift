import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Checks of the keys every store shares.
package enum DatastoreValidation {
    /// The longest entry ID, join token or journal ID, in bytes.
    package static let maximumKeyLength = 255

    /// Checks that a key is 1 to 255 bytes of printable ASCII without spaces.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` naming `what` and the broken rule.
    /// - Parameter echo: whether the message may quote the key (`false` for secrets such as join tokens).
    package static func validateKey(_ key: String, _ what: String, echo: Bool = true) throws(DatastoreError) {
        let bytes = key.utf8
        guard !bytes.isEmpty else {
            throw .invalidArgument("\(what) is empty")
        }
        guard bytes.count <= maximumKeyLength else {
            throw .invalidArgument("\(what) is \(bytes.count) bytes long: at most \(maximumKeyLength) are allowed")
        }
        if let bad = bytes.first(where: { $0 < 0x21 || $0 > 0x7E }) {
            throw .invalidArgument(
                "\(what)\(echo ? " \"\(key)\"" : "") holds byte 0x\(String(bad, radix: 16)): only printable ASCII without spaces is allowed"
            )
        }
    }
}

extension RegistrationEntry {
    /// Checks the entry and returns it in stored form: whole-second times, `createdAt` and `revisionNumber` as
    /// given.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` naming the first broken rule.
    package func validatedForStorage(createdAt: Date, revisionNumber: Int64) throws(DatastoreError) -> Self {
        try DatastoreValidation.validateKey(id, "entry ID")
        guard !selectors.isEmpty else {
            throw .invalidArgument("entry \"\(id)\" has no selectors: at least one is required")
        }
        guard (0...Int(Int32.max)).contains(x509SVIDTTL) else {
            throw .invalidArgument("entry \"\(id)\" x509SVIDTTL \(x509SVIDTTL) is out of range: 0 to \(Int32.max)")
        }
        guard (0...Int(Int32.max)).contains(jwtSVIDTTL) else {
            throw .invalidArgument("entry \"\(id)\" jwtSVIDTTL \(jwtSVIDTTL) is out of range: 0 to \(Int32.max)")
        }
        if dnsNames.contains(where: \.isEmpty) {
            throw .invalidArgument("entry \"\(id)\" has an empty DNS name")
        }
        guard Set(dnsNames).count == dnsNames.count else {
            throw .invalidArgument("entry \"\(id)\" lists a DNS name twice")
        }
        // A time the store could not read back (see UnixTime) is never written.
        if let expiresAt, (try? UnixTime(expiresAt)) == nil {
            throw .invalidArgument("entry \"\(id)\" expiresAt \(expiresAt.timeIntervalSince1970) is out of range: expected the years 1970 to 9999")
        }
        var stored = self
        stored.expiresAt = expiresAt.map(DatastoreTime.truncated)
        stored.createdAt = DatastoreTime.truncated(createdAt)
        stored.revisionNumber = revisionNumber
        return stored
    }

    /// The key of the uniqueness rule: no two entries share parent ID, SPIFFE ID and selector set.
    package var uniquenessKey: UniquenessKey {
        UniquenessKey(parentID: parentID.string, spiffeID: spiffeID.string, selectors: selectors)
    }

    /// Parent ID, SPIFFE ID and sorted selectors.
    package struct UniquenessKey: Hashable, Sendable {
        /// The parent ID.
        package var parentID: String
        /// The SPIFFE ID.
        package var spiffeID: String
        /// The sorted selectors.
        package var selectors: [Selector]
    }
}

extension AttestedNode {
    /// Checks the node and returns it in stored form: whole-second times, `createdAt` as given.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` naming the first broken rule.
    package func validatedForStorage(createdAt: Date) throws(DatastoreError) -> Self {
        guard !attestationType.isEmpty else {
            throw .invalidArgument("node \"\(spiffeID)\" has an empty attestation type")
        }
        try Self.validateAgentVersion(agentVersion)
        var stored = self
        stored.certNotAfter = DatastoreTime.truncated(certNotAfter)
        stored.newCertNotAfter = newCertNotAfter.map(DatastoreTime.truncated)
        stored.createdAt = DatastoreTime.truncated(createdAt)
        return stored
    }

    /// SPIRE's bound on a reported agent version: at most 255 bytes.
    package static func validateAgentVersion(_ version: String) throws(DatastoreError) {
        guard version.utf8.count <= 255 else {
            throw .invalidArgument("agent version is too long (max 255 characters): \(version.utf8.count) bytes")
        }
    }
}

extension JoinToken {
    /// Checks the token and returns it in stored form (whole-second expiry).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when the token is empty, too long or not printable.
    package func validatedForStorage() throws(DatastoreError) -> Self {
        try DatastoreValidation.validateKey(token, "join token", echo: false)
        return JoinToken(token: token, expiresAt: DatastoreTime.truncated(expiresAt))
    }
}
