#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// When to rotate an authority (X.509 CA or JWT key): prepare the next one at ½ of the active one's lifetime,
/// activate it at ⅚ (SPIRE's schedule for a 24 h CA: prepare at 12 h, activate at 20 h). Pure: no clock, no I/O,
/// so the rotation service can sleep exactly until the next event instead of ticking.
package enum RotationSchedule {
    /// What to do now.
    package enum Step: Sendable, Hashable {
        /// Nothing until ``nextEvent(notBefore:notAfter:hasPrepared:)``.
        case none
        /// Make the next authority and publish it in the bundle.
        case prepare
        /// Make the prepared authority the active one.
        case activate
    }

    /// The step due at `now` for an active authority valid `notBefore`–`notAfter`.
    package static func step(notBefore: Date, notAfter: Date, hasPrepared: Bool, now: Date) -> Step {
        if !hasPrepared && now >= prepareTime(notBefore: notBefore, notAfter: notAfter) { return .prepare }
        if hasPrepared && now >= activateTime(notBefore: notBefore, notAfter: notAfter) { return .activate }
        return .none
    }

    /// When the next step falls due.
    package static func nextEvent(notBefore: Date, notAfter: Date, hasPrepared: Bool) -> Date {
        hasPrepared ? activateTime(notBefore: notBefore, notAfter: notAfter) : prepareTime(notBefore: notBefore, notAfter: notAfter)
    }

    /// Half-way through the lifetime.
    package static func prepareTime(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) / 2)
    }

    /// Five sixths through the lifetime.
    package static func activateTime(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * 5 / 6)
    }
}
