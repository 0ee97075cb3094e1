import SPIREAPIProto

/// The order `entry show` prints entries in, as SPIRE's `SortTypesEntries`: selectors sorted within each entry,
/// then entries by SPIFFE ID, parent ID, X509-SVID TTL, JWT-SVID TTL and selectors (entry ID last, for a stable
/// order).
enum EntryOrdering {
    static func sorted(_ entries: [Spire_Api_Types_Entry]) -> [Spire_Api_Types_Entry] {
        entries.map(sortingSelectors).sorted(by: precedes)
    }

    private static func sortingSelectors(_ entry: Spire_Api_Types_Entry) -> Spire_Api_Types_Entry {
        var entry = entry
        entry.selectors.sort { $0.type != $1.type ? bytewise($0.type, $1.type) : bytewise($0.value, $1.value) }
        return entry
    }

    private static func precedes(_ a: Spire_Api_Types_Entry, _ b: Spire_Api_Types_Entry) -> Bool {
        for (x, y) in [
            (a.spiffeID.trustDomain, b.spiffeID.trustDomain), (a.spiffeID.path, b.spiffeID.path),
            (a.parentID.trustDomain, b.parentID.trustDomain), (a.parentID.path, b.parentID.path),
        ] where x != y {
            return bytewise(x, y)
        }
        if a.x509SvidTtl != b.x509SvidTtl { return a.x509SvidTtl < b.x509SvidTtl }
        if a.jwtSvidTtl != b.jwtSvidTtl { return a.jwtSvidTtl < b.jwtSvidTtl }
        // Fewer selectors first, then selector by selector (type, then value).
        if a.selectors.count != b.selectors.count { return a.selectors.count < b.selectors.count }
        for (x, y) in zip(a.selectors, b.selectors) {
            if x.type != y.type { return bytewise(x.type, y.type) }
            if x.value != y.value { return bytewise(x.value, y.value) }
        }
        return bytewise(a.id, b.id)
    }

    /// Go's `strings.Compare` order: by UTF-8 bytes.
    private static func bytewise(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
