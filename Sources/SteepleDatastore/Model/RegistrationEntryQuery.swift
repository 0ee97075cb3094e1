package import SPIFFE

/// How a set in a query is compared with the set stored in a record.
package enum SetMatch: Sendable, Hashable, CaseIterable {
    /// The record's set equals the query's set.
    case exact
    /// The record's set is a subset of the query's set: every element of the record is in the query
    /// (how a workload's attested selectors find its entries). An empty record set is a subset of any set.
    case subset
    /// The record's set is a superset of the query's set: every element of the query is in the record.
    case superset
    /// The two sets share at least one element.
    case any

    /// Whether `stored` matches `query` under this mode.
    package func matches<Element: Hashable>(_ stored: Set<Element>, _ query: Set<Element>) -> Bool {
        switch self {
        case .exact: stored == query
        case .subset: stored.isSubset(of: query)
        case .superset: stored.isSuperset(of: query)
        case .any: !stored.isDisjoint(with: query)
        }
    }
}

/// A selector filter of a query.
package struct SelectorMatch: Sendable, Hashable {
    /// The selectors to compare with; sorted, without duplicates, never empty once validated.
    package var selectors: [Selector]
    /// How to compare.
    package var mode: SetMatch

    /// Creates a selector filter.
    package init(_ selectors: [Selector], mode: SetMatch) {
        self.selectors = Selector.normalized(selectors)
        self.mode = mode
    }
}

/// A federated trust domain filter of a query.
package struct TrustDomainMatch: Sendable, Hashable {
    /// The trust domains to compare with; sorted, without duplicates, never empty once validated.
    package var trustDomains: [TrustDomain]
    /// How to compare.
    package var mode: SetMatch

    /// Creates a trust domain filter.
    package init(_ trustDomains: [TrustDomain], mode: SetMatch) {
        self.trustDomains = Array(Set(trustDomains)).sorted()
        self.mode = mode
    }
}

/// Filters for ``RegistrationEntryStore/listEntries(_:pagination:)`` and `countEntries`; all given filters
/// must hold (AND). The empty query matches every entry.
package struct RegistrationEntryQuery: Sendable, Hashable {
    /// Only entries with this parent ID.
    package var parentID: SPIFFEID?
    /// Only entries with this SPIFFE ID.
    package var spiffeID: SPIFFEID?
    /// Only entries whose selectors match.
    package var selectors: SelectorMatch?
    /// Only entries whose federated trust domains match.
    package var federatesWith: TrustDomainMatch?
    /// Only entries with this hint.
    package var hint: String?
    /// Only entries with this downstream flag.
    package var downstream: Bool?

    /// Creates a query.
    package init(
        parentID: SPIFFEID? = nil,
        spiffeID: SPIFFEID? = nil,
        selectors: SelectorMatch? = nil,
        federatesWith: TrustDomainMatch? = nil,
        hint: String? = nil,
        downstream: Bool? = nil
    ) {
        self.parentID = parentID
        self.spiffeID = spiffeID
        self.selectors = selectors
        self.federatesWith = federatesWith
        self.hint = hint
        self.downstream = downstream
    }

    /// Checks the filters.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when a selector or trust domain filter is empty.
    package func validate() throws(DatastoreError) {
        if let selectors, selectors.selectors.isEmpty {
            throw .invalidArgument("selector filter is empty: give at least one selector, or no filter")
        }
        if let federatesWith, federatesWith.trustDomains.isEmpty {
            throw .invalidArgument("federates-with filter is empty: give at least one trust domain, or no filter")
        }
    }

    /// Whether `entry` passes every filter (the reference semantics every store implements).
    package func matches(_ entry: RegistrationEntry) -> Bool {
        if let parentID, entry.parentID != parentID { return false }
        if let spiffeID, entry.spiffeID != spiffeID { return false }
        if let hint, entry.hint != hint { return false }
        if let downstream, entry.downstream != downstream { return false }
        if let selectors, !selectors.mode.matches(Set(entry.selectors), Set(selectors.selectors)) { return false }
        if let federatesWith,
            !federatesWith.mode.matches(Set(entry.federatesWith), Set(federatesWith.trustDomains))
        {
            return false
        }
        return true
    }
}
