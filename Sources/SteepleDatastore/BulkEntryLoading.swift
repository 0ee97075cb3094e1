/// A store that loads the server's entry index its own way: every entry faster in an order of its own than by pages in
/// ID order, and always from the primary database, never a read replica that may lag behind the change-log position
/// the index starts from. PostgreSQL implements it (pages in ID order read a table of random IDs in random heap order;
/// `ro_connection_string` names a replica); stores without it are read by
/// ``RegistrationEntryStore/listEntries(_:pagination:)`` and ``AttestedNodeStore/listNodes(_:)`` pages.
package protocol BulkEntryLoading: Sendable {
    /// Calls `body` with every stored entry, `batchSize` at a time (the last batch may be smaller), in no particular
    /// order, all read from one consistent snapshot of the primary. Entries that cannot be read are reported to the
    /// store's unreadable-record handler and left out, as listings do.
    ///
    /// - Throws: ``DatastoreError/Code/storage``, or what `body` throws (wrapped as `storage`).
    func forEachEntryBatch(size batchSize: Int, _ body: ([RegistrationEntry]) async throws -> Void) async throws(DatastoreError)

    /// Every attested node, read from the primary (unreadable ones reported and left out, as listings do).
    func allNodesFromPrimary() async throws(DatastoreError) -> [AttestedNode]
}
