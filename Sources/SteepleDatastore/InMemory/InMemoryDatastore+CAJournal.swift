extension InMemoryDatastore: CAJournalStore {
    package func fetchCAJournal(id: String) -> CAJournal? {
        caJournals[id]?.journal
    }

    package func fetchLatestCAJournal() -> CAJournal? {
        caJournals.values.max { $0.seq < $1.seq }?.journal
    }

    package func listCAJournals() -> [CAJournal] {
        caJournals.values.map(\.journal).sorted { datastoreKeyPrecedes($0.id, $1.id) }
    }

    package func setCAJournal(
        id: String,
        data: [UInt8],
        expectedVersion: UInt64?
    ) throws(DatastoreError) -> Committed<CAJournal> {
        try DatastoreValidation.validateKey(id, "CA journal ID")
        let storedVersion = caJournals[id]?.journal.version ?? 0
        if let expectedVersion, expectedVersion != storedVersion {
            throw .journalVersionConflict(id: id, stored: storedVersion, expected: expectedVersion)
        }
        let journal = CAJournal(
            id: id,
            version: storedVersion + 1,
            data: data,
            updatedAt: DatastoreTime.truncated(now())
        )
        let seq = appendEvent(.caJournalUpdated, id)
        caJournals[id] = (journal, seq)
        return Committed(value: journal, seq: seq)
    }

    package func deleteCAJournal(id: String) throws(DatastoreError) -> Committed<CAJournal> {
        guard let stored = caJournals.removeValue(forKey: id) else {
            throw .notFound("CA journal", id)
        }
        return Committed(value: stored.journal, seq: appendEvent(.caJournalDeleted, id))
    }
}
