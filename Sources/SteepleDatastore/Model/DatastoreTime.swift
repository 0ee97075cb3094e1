#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The one time representation of every store: whole seconds since the Unix epoch, rounded down.
///
/// SQLite keeps `INTEGER` seconds (as SPIRE does), readable with `datetime(col, 'unixepoch')`; the in-memory
/// store truncates the same way, so both return equal records. A whole-second `Date` round-trips exactly.
package enum DatastoreTime {
    /// The Unix time of `date` in whole seconds, rounded down (clamped to the `Int64` range).
    package static func seconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard value.isFinite else { return value < 0 ? .min : .max }
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int64(value)
    }

    /// The date of a Unix time in whole seconds.
    package static func date(seconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `date` rounded down to a whole second.
    package static func truncated(_ date: Date) -> Date {
        Self.date(seconds: seconds(date))
    }
}
