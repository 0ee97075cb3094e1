#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Time to wait until a date, as the agent's timers need it: zero when the date is past, at most a day (whoever
/// waits plans again then), and never a trap on a far or non-finite date (a certificate's notAfter can be year 9999).
enum Delay {
    static let longest = Duration.seconds(86_400)

    static func until(_ date: Date, from now: Date = Date()) -> Duration {
        let seconds = date.timeIntervalSince(now)
        guard seconds.isFinite, seconds > 0 else { return .zero }
        guard seconds < 86_400 else { return longest }
        return .milliseconds(Int64(seconds * 1000) + 1)
    }
}
