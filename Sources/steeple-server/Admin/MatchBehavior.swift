import ArgumentParser

/// How a set of selectors or trust domains given as a filter must relate to an entry's (SPIRE's
/// `-matchSelectorsOn` / `-matchFederatesWithOn`). SPIRE's default is `superset`.
enum MatchBehavior: String, CaseIterable, ExpressibleByArgument {
    /// The entry has exactly the filter's items.
    case exact
    /// The entry's items are all among the filter's.
    case subset
    /// The entry has all of the filter's items, and maybe more.
    case superset
    /// The entry has at least one of the filter's items.
    case any

    /// Whether an entry holding `items` passes a filter of `filter`.
    func matches<Item: Hashable>(_ items: some Sequence<Item>, filter: some Sequence<Item>) -> Bool {
        let have = Set(items)
        let want = Set(filter)
        switch self {
        case .exact: return have == want
        case .subset: return have.isSubset(of: want)
        case .superset: return have.isSuperset(of: want)
        case .any: return !have.isDisjoint(with: want)
        }
    }
}
