/// One row of the change log: a mutation that committed, in commit order (DESIGN "Store").
///
/// Every mutation of every store appends one event per changed record in the same transaction as the change,
/// so a reader that has applied all events up to ``seq`` has exactly the state as of that commit.
package struct ChangeEvent: Sendable {
    /// The position in the log: gap-free and increasing, starting at 1.
    package var seq: UInt64
    /// What happened.
    package var kind: Kind
    /// The key of the changed record: entry ID, node SPIFFE ID, join token, trust domain name (bundles and
    /// federation relationships) or journal ID.
    package var id: String

    /// Creates an event.
    package init(seq: UInt64, kind: Kind, id: String) {
        self.seq = seq
        self.kind = kind
        self.id = id
    }
}

extension ChangeEvent: Hashable {}

extension ChangeEvent {
    /// The kind of a change. Its ``rawValue`` is what the log stores: values are never renamed or reused, and
    /// a kind written by a newer server still reads back (as a kind this build has no constant for).
    package struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String

        package init(rawValue: String) {
            self.rawValue = rawValue
        }

        package var description: String { rawValue }

        /// A registration entry was created.
        package static let entryCreated = Kind(rawValue: "entryCreated")
        /// A registration entry was updated (its revision number went up).
        package static let entryUpdated = Kind(rawValue: "entryUpdated")
        /// A registration entry was deleted or pruned.
        package static let entryDeleted = Kind(rawValue: "entryDeleted")
        /// An attested node was created.
        package static let nodeCreated = Kind(rawValue: "nodeCreated")
        /// An attested node was updated: renewed, banned, unbanned, new selectors.
        package static let nodeUpdated = Kind(rawValue: "nodeUpdated")
        /// An attested node was deleted (evicted) or pruned.
        package static let nodeDeleted = Kind(rawValue: "nodeDeleted")
        /// A join token was created.
        package static let joinTokenCreated = Kind(rawValue: "joinTokenCreated")
        /// A join token was consumed, deleted or pruned.
        package static let joinTokenDeleted = Kind(rawValue: "joinTokenDeleted")
        /// A bundle was created.
        package static let bundleCreated = Kind(rawValue: "bundleCreated")
        /// A bundle was updated.
        package static let bundleUpdated = Kind(rawValue: "bundleUpdated")
        /// A bundle was deleted.
        package static let bundleDeleted = Kind(rawValue: "bundleDeleted")
        /// A CA journal was created or updated.
        package static let caJournalUpdated = Kind(rawValue: "caJournalUpdated")
        /// A CA journal was deleted or pruned.
        package static let caJournalDeleted = Kind(rawValue: "caJournalDeleted")
        /// A federation relationship was created.
        package static let federationRelationshipCreated = Kind(rawValue: "federationRelationshipCreated")
        /// A federation relationship was updated.
        package static let federationRelationshipUpdated = Kind(rawValue: "federationRelationshipUpdated")
        /// A federation relationship was deleted.
        package static let federationRelationshipDeleted = Kind(rawValue: "federationRelationshipDeleted")
    }
}
