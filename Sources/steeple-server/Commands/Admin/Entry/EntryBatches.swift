/// How the CLI sends many entries: in requests of at most ``size``, the server's per-request limit, one after the
/// other on one connection, so that a `-data` or `-file` document of any length still goes through.
enum EntryBatches {
    /// Entries (or IDs) per request: the server refuses more (`EntryValidator.Limits.maximumBatchSize`).
    static let size = 500

    /// Calls `send` with consecutive slices of at most ``size`` items and concatenates the results in order.
    static func send<Item, Result>(_ items: [Item], _ send: ([Item]) async throws -> [Result]) async throws -> [Result] {
        var results: [Result] = []
        results.reserveCapacity(items.count)
        var start = 0
        repeat {
            let end = min(start + size, items.count)
            results += try await send(Array(items[start..<end]))
            start = end
        } while start < items.count
        return results
    }
}
