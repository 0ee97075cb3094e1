#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// One server's CA journal: its active and prepared X.509 and JWT authority records, as an opaque blob that
/// the CA layer encodes (SPIRE's `ca_journals`). Its key is ``id``, usually the server's ID.
package struct CAJournal: Sendable {
    /// The journal ID; 1 to 255 bytes.
    package var id: String
    /// Bumped by every write, starting at 1; callers pass the version they read to detect lost updates.
    package var version: UInt64
    /// The encoded journal.
    package var data: [UInt8]
    /// When the journal was last written; set by the store, whole seconds.
    package var updatedAt: Date

    /// Creates a journal record.
    package init(id: String, version: UInt64, data: [UInt8], updatedAt: Date) {
        self.id = id
        self.version = version
        self.data = data
        self.updatedAt = updatedAt
    }
}

extension CAJournal: Hashable {}
