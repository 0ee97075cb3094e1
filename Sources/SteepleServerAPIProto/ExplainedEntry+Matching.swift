/// The one matching rule both explanations use, SPIRE's: an entry applies to a workload when every one of its
/// selectors is among the workload's (an entry without selectors applies to none).
extension Steeple_Server_V1_ExplainedEntry {
    /// An explained entry: `missingSelectors` are the entry's selectors the workload lacks, sorted.
    package init(entryID: String, spiffeID: String, parentID: String, selectors: Set<String>, workload: Set<String>, hint: String) {
        self.init()
        self.entryID = entryID
        self.spiffeID = spiffeID
        self.parentID = parentID
        self.selectors = selectors.sorted()
        self.hint = hint
        missingSelectors = selectors.subtracting(workload).sorted()
        matched = !selectors.isEmpty && missingSelectors.isEmpty
    }

    /// Matched entries first, then by SPIFFE ID and entry ID: what answers the question comes first.
    package static func explanationOrder(_ lhs: Self, _ rhs: Self) -> Bool {
        if lhs.matched != rhs.matched { return lhs.matched }
        if lhs.missingSelectors.count != rhs.missingSelectors.count { return lhs.missingSelectors.count < rhs.missingSelectors.count }
        return (lhs.spiffeID, lhs.entryID) < (rhs.spiffeID, rhs.entryID)
    }
}
