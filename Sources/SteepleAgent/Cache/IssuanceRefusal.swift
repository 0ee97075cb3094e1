#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's refusal to issue an entry's X509-SVID, as the agent keeps it until the next try.
struct IssuanceRefusal: Sendable, Equatable {
    /// The server's message.
    let reason: String
    /// When the rotator asks again (an entry change asks at once).
    let until: Date
}
