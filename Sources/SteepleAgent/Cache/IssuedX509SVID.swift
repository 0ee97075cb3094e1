import SPIFFE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An X509-SVID the agent holds for an entry, with what it was issued for and when to rotate it.
struct IssuedX509SVID: Sendable {
    let entryID: String
    let svid: X509SVID
    let shape: AgentEntry.X509Shape
    let rotateAt: Date

    /// Half of the lifetime, jittered by up to ±10 % of that half (SPIRE's rule), so that SVIDs issued together do not
    /// all come back at the same instant. `notBefore` is the start of the usable lifetime: the later of the
    /// certificate's (backdated) `notBefore` and the time the agent received it.
    static func rotationTime(notBefore: Date, notAfter: Date, jitter: Double = Double.random(in: -0.1...0.1)) -> Date {
        let half = notAfter.timeIntervalSince(notBefore) / 2
        return notBefore + half + half * jitter
    }
}
