import SteepleServerAPIProto

/// The order `entry show` prints entries in, as SPIRE's `SortTypesEntries`: selectors sorted within each entry,
/// then entries by SPIFFE ID, parent ID, X509-SVID TTL, JWT-SVID TTL and selectors (entry ID last, for a stable
/// order).
enum EntryOrdering {
    static func sorted(_ entries: [Steeple_Server_V1_Entry]) -> [Steeple_Server_V1_Entry] {
        entries.map(sortingSelectors).sorted(by: precedes)
    }

    private static func sortingSelectors(_ entry: Steeple_Server_V1_Entry) -> Steeple_Server_V1_Entry {
        var entry = entry
        entry.selectors.sort { ($0.type, $0.value) < ($1.type, $1.value) }
        return entry
    }

    private static func precedes(_ a: Steeple_Server_V1_Entry, _ b: Steeple_Server_V1_Entry) -> Bool {
        if a.spiffeID != b.spiffeID { return a.spiffeID < b.spiffeID }
        if a.parentID != b.parentID { return a.parentID < b.parentID }
        if a.x509SvidTtl != b.x509SvidTtl { return a.x509SvidTtl < b.x509SvidTtl }
        if a.jwtSvidTtl != b.jwtSvidTtl { return a.jwtSvidTtl < b.jwtSvidTtl }
        let aSelectors = a.selectors.map { "\($0.type):\($0.value)" }
        let bSelectors = b.selectors.map { "\($0.type):\($0.value)" }
        if aSelectors != bSelectors { return aSelectors.lexicographicallyPrecedes(bSelectors) }
        return a.id < b.id
    }
}
