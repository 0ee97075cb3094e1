/// Reads the change log: the one sequence of every committed mutation (DESIGN "Store").
///
/// Sequence numbers start at 1, increase by exactly one per event and are never reused, even after pruning.
package protocol ChangeLogStore: Sendable {
    /// Lists events with a sequence number greater than `seq`, in order, at most `limit` of them.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when `limit` is not in `1...Pagination.maximumSize`.
    func listEvents(after seq: UInt64, limit: Int) async throws(DatastoreError) -> [ChangeEvent]

    /// The sequence number of the last event ever appended, or 0 when there was none.
    func latestSequence() async throws(DatastoreError) -> UInt64

    /// Deletes events with a sequence number up to and including `seq` (readers behind it must reload).
    ///
    /// - Returns: how many events were deleted.
    func pruneEvents(through seq: UInt64) async throws(DatastoreError) -> Int
}
