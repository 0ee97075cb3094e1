import SPIFFECA
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Rotation")
struct RotationTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let end = start.addingTimeInterval(24 * 3600)

    @Test("prepares at half of the lifetime and activates at five sixths")
    func schedule() {
        let step = { (hours: Double, prepared: Bool) in
            RotationSchedule.step(notBefore: Self.start, notAfter: Self.end, hasPrepared: prepared, now: Self.start.addingTimeInterval(hours * 3600))
        }
        #expect(step(11.99, false) == .none)
        #expect(step(12, false) == .prepare)
        #expect(step(12, true) == .none)
        #expect(step(19.99, true) == .none)
        #expect(step(20, true) == .activate)
        #expect(RotationSchedule.nextEvent(notBefore: Self.start, notAfter: Self.end, hasPrepared: false) == Self.start.addingTimeInterval(12 * 3600))
        #expect(RotationSchedule.nextEvent(notBefore: Self.start, notAfter: Self.end, hasPrepared: true) == Self.start.addingTimeInterval(20 * 3600))
    }

    struct FakeAuthority: Hashable, Sendable {
        let name: String
        let notAfter: Date
    }

    @Test("slots publish active, prepared and old authorities until the old ones expire")
    func slots() {
        let a = FakeAuthority(name: "A", notAfter: Self.end)
        let b = FakeAuthority(name: "B", notAfter: Self.end.addingTimeInterval(20 * 3600))
        var slots = AuthoritySlots(active: a)
        #expect(slots.published == [a])
        let activatedEmpty = slots.activate()
        #expect(!activatedEmpty)
        let preparedFirst = slots.prepare(b)
        let preparedAgain = slots.prepare(b)
        #expect(preparedFirst)
        #expect(!preparedAgain)
        #expect(slots.published == [a, b])
        let activated = slots.activate()
        #expect(activated)
        #expect(slots.active == b)
        #expect(slots.prepared == nil)
        #expect(slots.published == [b, a])
        let prunedEarly = slots.pruneExpired(now: Self.end.addingTimeInterval(-1), notAfter: \.notAfter)
        let prunedAtExpiry = slots.pruneExpired(now: Self.end, notAfter: \.notAfter)
        #expect(!prunedEarly)
        #expect(prunedAtExpiry)
        #expect(slots.published == [b])
    }
}
