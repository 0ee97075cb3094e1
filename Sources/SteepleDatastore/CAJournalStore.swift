/// Stores each server's CA journal as an opaque, versioned blob.
package protocol CAJournalStore: Sendable {
    /// Fetches a journal by ID, or `nil` when there is none.
    func fetchCAJournal(id: String) async throws(DatastoreError) -> CAJournal?

    /// Fetches the journal written last, by any server, or `nil` when there is none.
    func fetchLatestCAJournal() async throws(DatastoreError) -> CAJournal?

    /// Lists every journal, in ID order (a handful: one per server).
    func listCAJournals() async throws(DatastoreError) -> [CAJournal]

    /// Creates or replaces a journal (an upsert), bumping its version and setting `updatedAt` from the clock.
    ///
    /// - Parameter expectedVersion: when given, the write happens only if the stored version is this one
    ///   (0: only if there is no journal yet).
    /// - Returns: the stored journal and the `caJournalUpdated` event's sequence number.
    /// - Throws: ``DatastoreError/Code/conflict`` when the stored version is not `expectedVersion`;
    ///   ``DatastoreError/Code/invalidArgument`` for a bad ID.
    func setCAJournal(
        id: String,
        data: [UInt8],
        expectedVersion: UInt64?
    ) async throws(DatastoreError) -> Committed<CAJournal>

    /// Deletes a journal.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``.
    func deleteCAJournal(id: String) async throws(DatastoreError) -> Committed<CAJournal>
}
