/// A lifetime in whole seconds, at least one second and at most ``maximumSeconds`` (about 100 years), so that
/// adding it to any ``UnixTime`` or converting it to a `Duration` or `TimeInterval` never overflows.
package struct TTL: Sendable, Hashable, Comparable {
    /// The longest lifetime accepted anywhere: 100 years of 365 days.
    package static let maximumSeconds: Int64 = 100 * 365 * 86_400

    /// The lifetime in seconds, in `1...maximumSeconds`.
    package let seconds: Int64

    /// A lifetime of `seconds`.
    ///
    /// - Parameter field: the name of the field the value came from, for the error message.
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` when `seconds` is not in `1...maximumSeconds`.
    package init(seconds: some BinaryInteger, field: String = "ttl") throws(SPIFFEError) {
        guard let value = Int64(exactly: seconds), (1...Self.maximumSeconds).contains(value) else {
            throw SPIFFEError(
                code: .invalidArgument,
                message: "\(field) \(seconds) is out of range: expected 1 to \(Self.maximumSeconds) seconds"
            )
        }
        self.seconds = value
    }

    /// A lifetime from a `Duration`, rounded down to whole seconds.
    ///
    /// - Throws: ``SPIFFEError/Code/invalidArgument`` when the duration is under one second or over the maximum.
    package init(_ duration: Duration, field: String = "ttl") throws(SPIFFEError) {
        try self.init(seconds: duration.components.seconds, field: field)
    }

    /// The lifetime as a `Duration`.
    package var duration: Duration { .seconds(seconds) }

    /// The lifetime in seconds as a `Double`, for `Date` arithmetic.
    package var timeInterval: Double { Double(seconds) }

    package static func < (lhs: TTL, rhs: TTL) -> Bool { lhs.seconds < rhs.seconds }
}
