extension InMemoryDatastore: ChangeLogStore {
    package func listEvents(after seq: UInt64, limit: Int) throws(DatastoreError) -> [ChangeEvent] {
        try Pagination(size: limit).validate()
        // Events are sorted and gap-free, so the first one after `seq` is found by arithmetic.
        guard let first = events.first, seq < lastSequence else { return [] }
        let start = seq < first.seq ? 0 : Int(seq - first.seq + 1)
        return Array(events[start..<min(events.count, start + limit)])
    }

    package func latestSequence() -> UInt64 {
        lastSequence
    }

    package func pruneEvents(through seq: UInt64) -> Int {
        guard let first = events.first, seq >= first.seq else { return 0 }
        let count = min(events.count, Int(seq - first.seq + 1))
        events.removeFirst(count)
        return count
    }
}
