#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A point in time as whole seconds since the Unix epoch, always within the years 1970 to 9999.
///
/// Every time that crosses a boundary (an API field, a stored column, a certificate or token claim) goes through
/// this type, so that no conversion between `Date`, `Double` and `Int64` can trap: values outside the range are
/// refused with an error that names the field, the value and the allowed range.
package struct UnixTime: Sendable, Hashable, Comparable {
    /// The seconds this type accepts: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    package static let range: ClosedRange<Int64> = 0...253_402_300_799

    /// Seconds since 1970-01-01T00:00:00Z, within ``range``.
    package let seconds: Int64

    /// A time from seconds since the epoch.
    ///
    /// - Parameter field: the name of the field the value came from, for the error message; spelled out only for the
    ///   error (a server start decodes a million stored times).
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` when `seconds` is outside ``range``.
    package init(seconds: Int64, field: @autoclosure () -> String = "time") throws(SPIFFEError) {
        guard Self.range.contains(seconds) else {
            throw Self.outOfRange(field(), "\(seconds)")
        }
        self.seconds = seconds
    }

    /// A time from a `Date`, rounded down to a whole second.
    ///
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` when the date is not finite or outside ``range``.
    package init(_ date: Date, field: String = "time") throws(SPIFFEError) {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard value.isFinite, value >= Double(Self.range.lowerBound), value <= Double(Self.range.upperBound),
            let seconds = Int64(exactly: value)
        else {
            throw Self.outOfRange(field, "\(date.timeIntervalSince1970)")
        }
        self.seconds = seconds
    }

    /// The time as a `Date`.
    package var date: Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    /// This time plus `ttl`, or `nil` when the result would leave ``range``.
    package func adding(_ ttl: TTL) -> UnixTime? {
        let (sum, overflow) = seconds.addingReportingOverflow(ttl.seconds)
        guard !overflow, Self.range.contains(sum) else { return nil }
        return UnixTime(unchecked: sum)
    }

    private init(unchecked seconds: Int64) {
        self.seconds = seconds
    }

    /// The Unix seconds of `date`, rounded down and clamped into ``range`` (for display and for comparisons with
    /// a bound, never for storing).
    package static func clampedSeconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard value.isFinite else { return value < 0 ? range.lowerBound : range.upperBound }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return Int64(exactly: value) ?? range.upperBound
    }

    package static func < (lhs: UnixTime, rhs: UnixTime) -> Bool { lhs.seconds < rhs.seconds }

    private static func outOfRange(_ field: String, _ value: String) -> SPIFFEError {
        SPIFFEError(
            code: .invalidArgument,
            message: "\(field) \(value) is out of range: expected Unix seconds from \(range.lowerBound) to \(range.upperBound) (years 1970 to 9999)"
        )
    }
}
