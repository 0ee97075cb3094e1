/// A store that reads every entry faster in an order of its own than by pages in ID order: what an entry index
/// loads at start. PostgreSQL implements it (pages in ID order read a table of random IDs in random heap order);
/// stores without it are read by ``RegistrationEntryStore/listEntries(_:pagination:)`` pages.
package protocol BulkEntryLoading: Sendable {
    /// Calls `body` with every stored entry, `batchSize` at a time (the last batch may be smaller), in no particular
    /// order, all read from one consistent snapshot. Entries that cannot be read are reported to the store's
    /// unreadable-record handler and left out, as listings do.
    ///
    /// - Throws: ``DatastoreError/Code/storage``, or what `body` throws (wrapped as `storage`).
    func forEachEntryBatch(size batchSize: Int, _ body: ([RegistrationEntry]) async throws -> Void) async throws(DatastoreError)
}
