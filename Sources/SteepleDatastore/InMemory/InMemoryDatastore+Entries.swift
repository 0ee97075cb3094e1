import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension InMemoryDatastore: RegistrationEntryStore {
    package func createEntry(_ entry: RegistrationEntry) throws(DatastoreError) -> Committed<RegistrationEntry> {
        try createEntries([entry])[0]
    }

    package func createEntries(
        _ entries: [RegistrationEntry]
    ) throws(DatastoreError) -> [Committed<RegistrationEntry>] {
        // Check the whole batch before changing anything: all or nothing.
        let createdAt = now()
        var stored: [RegistrationEntry] = []
        stored.reserveCapacity(entries.count)
        var batchIDs: Set<String> = []
        var batchKeys: [RegistrationEntry.UniquenessKey: String] = [:]
        for entry in entries {
            let checked = try entry.validatedForStorage(createdAt: createdAt, revisionNumber: 0)
            try requireFederatedBundles(checked)
            if self.entries[checked.id] != nil || !batchIDs.insert(checked.id).inserted {
                throw .alreadyExists("entry", checked.id)
            }
            let key = checked.uniquenessKey
            if let existing = entryIDsByUniquenessKey[key] ?? batchKeys[key] {
                throw DatastoreError.duplicateEntry(checked, existingID: existing)
            }
            batchKeys[key] = checked.id
            stored.append(checked)
        }
        var results: [Committed<RegistrationEntry>] = []
        results.reserveCapacity(stored.count)
        for entry in stored {
            self.entries[entry.id] = entry
            entryIDsByUniquenessKey[entry.uniquenessKey] = entry.id
            results.append(Committed(value: entry, seq: appendEvent(.entryCreated, entry.id)))
        }
        if !stored.isEmpty { sortedEntryIDsCache = nil }
        return results
    }

    package func fetchEntry(id: String) -> RegistrationEntry? {
        entries[id]
    }

    package func fetchEntries(ids: some Collection<String> & Sendable) -> [String: RegistrationEntry] {
        var found: [String: RegistrationEntry] = [:]
        for id in ids { found[id] = entries[id] }
        return found
    }

    package func listEntries(
        _ query: RegistrationEntryQuery,
        pagination: Pagination?
    ) throws(DatastoreError) -> Page<RegistrationEntry> {
        try query.validate()
        return try Pagination.page(pagination, sortedKeys: sortedEntryIDs()) { id in
            guard let entry = entries[id], query.matches(entry) else { return nil }
            return entry
        }
    }

    package func countEntries(_ query: RegistrationEntryQuery) throws(DatastoreError) -> Int {
        try query.validate()
        return entries.values.reduce(0) { $0 + (query.matches($1) ? 1 : 0) }
    }

    package func updateEntry(
        _ entry: RegistrationEntry,
        expectedRevision: Int64?
    ) throws(DatastoreError) -> Committed<RegistrationEntry> {
        guard let current = entries[entry.id] else {
            throw .notFound("entry", entry.id)
        }
        if let expectedRevision, expectedRevision != current.revisionNumber {
            throw DatastoreError.revisionConflict(current, expected: expectedRevision)
        }
        let updated = try entry.validatedForStorage(
            createdAt: current.createdAt,
            revisionNumber: current.revisionNumber + 1
        )
        try requireFederatedBundles(updated)
        let key = updated.uniquenessKey
        if let existing = entryIDsByUniquenessKey[key], existing != updated.id {
            throw DatastoreError.duplicateEntry(updated, existingID: existing)
        }
        entryIDsByUniquenessKey[current.uniquenessKey] = nil
        entryIDsByUniquenessKey[key] = updated.id
        entries[updated.id] = updated
        return Committed(value: updated, seq: appendEvent(.entryUpdated, updated.id))
    }

    package func deleteEntry(id: String) throws(DatastoreError) -> Committed<RegistrationEntry?> {
        guard let entry = removeEntry(id: id) else {
            throw .notFound("entry", id)
        }
        return Committed(value: entry, seq: appendEvent(.entryDeleted, id))
    }

    package func pruneEntries(expiredBefore date: Date) -> [Committed<RegistrationEntry>] {
        let cutoff = DatastoreTime.truncated(date)
        let expired = sortedEntryIDs().filter { id in
            guard let expiresAt = entries[id]?.expiresAt else { return false }
            return expiresAt < cutoff
        }
        return expired.compactMap { id in
            removeEntry(id: id).map { Committed(value: $0, seq: appendEvent(.entryDeleted, id)) }
        }
    }

    private func removeEntry(id: String) -> RegistrationEntry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        entryIDsByUniquenessKey[entry.uniquenessKey] = nil
        sortedEntryIDsCache = nil
        return entry
    }

    /// Every trust domain `entry` federates with has a bundle here.
    private func requireFederatedBundles(_ entry: RegistrationEntry) throws(DatastoreError) {
        for trustDomain in entry.federatesWith where bundles[trustDomain.name] == nil {
            throw .federatedBundleMissing(trustDomain.name)
        }
    }
}
