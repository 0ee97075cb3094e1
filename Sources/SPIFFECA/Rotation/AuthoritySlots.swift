#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The authorities of one kind (X.509 CAs or JWT keys): the active one, at most one prepared, and old ones kept in
/// the bundle until they expire (SPEC §5: retired keys stay until every SVID they signed has expired).
/// A pure state machine; each mutation reports whether the published bundle changed, which is when
/// `spiffe_sequence` must be bumped.
package struct AuthoritySlots<Authority: Sendable & Hashable>: Sendable, Hashable {
    /// The authority that signs now.
    package private(set) var active: Authority
    /// The next authority, already published, not yet signing.
    package private(set) var prepared: Authority?
    /// Previously active authorities, newest first, still published.
    package private(set) var old: [Authority]

    package init(active: Authority, prepared: Authority? = nil, old: [Authority] = []) {
        self.active = active
        self.prepared = prepared
        self.old = old
    }

    /// Every authority to publish in the bundle: active, prepared and old.
    package var published: [Authority] { [active] + (prepared.map { [$0] } ?? []) + old }

    /// Stores `next` as the prepared authority. Returns true: the bundle gains it.
    @discardableResult
    package mutating func prepare(_ next: Authority) -> Bool {
        let replaced = prepared
        prepared = next
        return replaced != next
    }

    /// Promotes the prepared authority; the active one becomes old. Returns false (nothing done) when none is
    /// prepared. The bundle does not change: both were already published.
    @discardableResult
    package mutating func activate() -> Bool {
        guard let next = prepared else { return false }
        old.insert(active, at: 0)
        active = next
        prepared = nil
        return true
    }

    /// Drops old authorities that have expired at `now`. Returns whether the bundle changed.
    @discardableResult
    package mutating func pruneExpired(now: Date, notAfter: (Authority) -> Date) -> Bool {
        let before = old.count
        old.removeAll { notAfter($0) <= now }
        return old.count != before
    }

    /// Drops the old authorities `shouldRemove` selects (a revoked authority). Returns whether any was dropped.
    @discardableResult
    package mutating func removeOld(where shouldRemove: (Authority) -> Bool) -> Bool {
        let before = old.count
        old.removeAll(where: shouldRemove)
        return old.count != before
    }
}
