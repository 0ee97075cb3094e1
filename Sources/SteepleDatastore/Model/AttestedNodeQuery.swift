#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Filters for ``AttestedNodeStore/listNodes(_:pagination:)`` and `countNodes`; all given filters must hold.
package struct AttestedNodeQuery: Sendable, Hashable {
    /// Only banned (`true`) or only not banned (`false`) nodes.
    package var banned: Bool?
    /// Only nodes admitted by this attestor, e.g. `join_token`.
    package var attestationType: String?
    /// Only nodes whose current SVID expires before this time.
    package var certExpiresBefore: Date?
    /// Only nodes whose selectors match.
    package var selectors: SelectorMatch?
    /// Only nodes that may (`true`) or may not (`false`) attest again on their own.
    package var canReattest: Bool?

    /// Creates a query.
    package init(
        banned: Bool? = nil,
        attestationType: String? = nil,
        certExpiresBefore: Date? = nil,
        selectors: SelectorMatch? = nil,
        canReattest: Bool? = nil
    ) {
        self.banned = banned
        self.attestationType = attestationType
        self.certExpiresBefore = certExpiresBefore
        self.selectors = selectors
        self.canReattest = canReattest
    }

    /// Checks the filters.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when the selector filter is empty.
    package func validate() throws(DatastoreError) {
        if let selectors, selectors.selectors.isEmpty {
            throw .invalidArgument("selector filter is empty: give at least one selector, or no filter")
        }
    }

    /// Whether `node` passes every filter (the reference semantics every store implements).
    package func matches(_ node: AttestedNode) -> Bool {
        if let banned, node.banned != banned { return false }
        if let attestationType, node.attestationType != attestationType { return false }
        if let certExpiresBefore, !(node.certNotAfter < DatastoreTime.truncated(certExpiresBefore)) { return false }
        if let selectors, !selectors.mode.matches(Set(node.selectors), Set(selectors.selectors)) { return false }
        if let canReattest, node.canReattest != canReattest { return false }
        return true
    }
}
