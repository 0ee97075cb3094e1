#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Stores registration entries (ANCHORS §1.9).
///
/// Every mutation appends one ``ChangeEvent`` per changed entry to the change log in the same transaction,
/// and returns its sequence number.
package protocol RegistrationEntryStore: Sendable {
    /// Creates an entry. The store sets `createdAt` from its clock and `revisionNumber` to 0.
    ///
    /// - Returns: the stored entry and the `entryCreated` event's sequence number.
    /// - Throws: ``DatastoreError/Code/alreadyExists`` when the ID is taken, or another entry has the same parent
    ///   ID, SPIFFE ID and selector set (the message names that entry);
    ///   ``DatastoreError/Code/invalidArgument`` when the entry breaks a rule (no selectors, a negative TTL…).
    func createEntry(_ entry: RegistrationEntry) async throws(DatastoreError) -> Committed<RegistrationEntry>

    /// Creates many entries in one transaction: all of them or, on the first error, none.
    ///
    /// - Returns: the stored entries with their `entryCreated` sequence numbers, in the order given.
    /// - Throws: as ``createEntry(_:)``, also for two entries of the batch that collide with each other.
    func createEntries(_ entries: [RegistrationEntry]) async throws(DatastoreError) -> [Committed<RegistrationEntry>]

    /// Fetches an entry by ID, or `nil` when there is none.
    ///
    /// - Throws: ``DatastoreError/Code/corruptRecord`` when the stored record cannot be read back as a valid entry
    ///   (lists and ``fetchEntries(ids:)`` leave such records out instead).
    func fetchEntry(id: String) async throws(DatastoreError) -> RegistrationEntry?

    /// Fetches the entries with these IDs that exist, in one read (the entry index reads each page of change-log
    /// events this way), keyed by ID; IDs without an entry are absent from the result.
    func fetchEntries(ids: some Collection<String> & Sendable) async throws(DatastoreError) -> [String: RegistrationEntry]

    /// Lists the entries that match `query`, in ID order, one page at a time (`pagination` `nil`: all at once).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for an empty set filter or a page size out of range.
    func listEntries(
        _ query: RegistrationEntryQuery,
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<RegistrationEntry>

    /// Counts the entries that match `query`.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for an empty set filter.
    func countEntries(_ query: RegistrationEntryQuery) async throws(DatastoreError) -> Int

    /// Replaces the entry with `entry.id`, keeping its `createdAt` and bumping its revision number by one.
    ///
    /// - Parameter expectedRevision: when given, the update happens only if the stored revision is this one.
    /// - Returns: the stored entry and the `entryUpdated` event's sequence number.
    /// - Throws: ``DatastoreError/Code/notFound``; ``DatastoreError/Code/conflict`` when the stored revision is
    ///   not `expectedRevision`; ``DatastoreError/Code/alreadyExists`` when the update would duplicate another
    ///   entry; ``DatastoreError/Code/invalidArgument``.
    func updateEntry(
        _ entry: RegistrationEntry,
        expectedRevision: Int64?
    ) async throws(DatastoreError) -> Committed<RegistrationEntry>

    /// Deletes an entry, also one whose stored record can no longer be read (see `corruptRecord`): an operator must
    /// always be able to remove what the server cannot use.
    ///
    /// - Returns: the deleted entry (`nil` when its record could not be read) and the `entryDeleted` event's
    ///   sequence number.
    /// - Throws: ``DatastoreError/Code/notFound``.
    func deleteEntry(id: String) async throws(DatastoreError) -> Committed<RegistrationEntry?>

    /// Deletes every entry whose `expiresAt` is before `date`.
    ///
    /// - Returns: the deleted entries, in ID order, each with its `entryDeleted` sequence number.
    func pruneEntries(expiredBefore date: Date) async throws(DatastoreError) -> [Committed<RegistrationEntry>]
}

extension RegistrationEntryStore {
    /// Lists the entries that match `query`, all at once.
    package func listEntries(
        _ query: RegistrationEntryQuery = .init()
    ) async throws(DatastoreError) -> [RegistrationEntry] {
        try await listEntries(query, pagination: nil).items
    }

    /// Replaces an entry without an optimistic check.
    package func updateEntry(_ entry: RegistrationEntry) async throws(DatastoreError) -> Committed<RegistrationEntry> {
        try await updateEntry(entry, expectedRevision: nil)
    }
}
