/// Go's duration syntax, which SPIRE uses for every TTL and interval (`time.ParseDuration`, `Duration.String`).
///
/// A duration is an optional sign and one or more decimal numbers, each with an optional fraction and a unit:
/// `24h`, `1h30m`, `300s`, `1.5h`, `100ms`, `-5m`. Units are `ns`, `us` (or `µs`, `μs`), `ms`, `s`, `m` and `h`.
/// The bare string `0` is allowed; any other number needs a unit. Values must fit Go's signed 64-bit nanoseconds
/// (about 292 years).
package enum GoDuration {
    private static let units: [String: UInt64] = [
        "ns": 1,
        "us": 1_000,
        "\u{00B5}s": 1_000,
        "\u{03BC}s": 1_000,
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    private static let limit: UInt64 = 1 << 63

    /// Parses a Go duration.
    /// - Parameters:
    ///   - text: The duration, such as `1h30m`.
    ///   - position: Where the value is in the configuration file, for the error message.
    /// - Returns: The duration.
    /// - Throws: ``ConfigError/Code/invalidDuration`` for anything `time.ParseDuration` rejects.
    package static func parse(_ text: String, at position: ConfigPosition? = nil) throws(ConfigError) -> Duration {
        try parse(text, at: position, for: nil)
    }

    /// Parses a Go duration read for `key`, which the error message names.
    static func parse(_ text: String, at position: ConfigPosition?, for key: String?) throws(ConfigError) -> Duration {
        func failure(_ reason: String) -> ConfigError {
            ConfigError(
                code: .invalidDuration,
                at: position,
                "invalid duration \"\(text)\"\(ConfigValue.forKey(key)): \(reason); "
                    + "expected a number with a unit such as 300s, 5m, 1h30m or 24h"
            )
        }
        var rest = Substring(text).unicodeScalars[...]
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if String(rest) == "0" {
            return .zero
        }
        if rest.isEmpty {
            throw failure("it is empty")
        }
        var total: UInt64 = 0
        while !rest.isEmpty {
            guard let first = rest.first, first == "." || isDigit(first) else {
                throw failure("expected a digit at \"\(String(rest))\"")
            }
            let (whole, wholeDigits, wholeOverflow) = leadingInteger(&rest)
            if wholeOverflow {
                throw failure("it is too large")
            }
            var fraction: UInt64 = 0
            var scale: Double = 1
            var fractionDigits = 0
            if rest.first == "." {
                rest = rest.dropFirst()
                (fraction, scale, fractionDigits) = leadingFraction(&rest)
            }
            if wholeDigits == 0 && fractionDigits == 0 {
                throw failure("a number has no digits")
            }
            let unitText = String(rest.prefix { $0 != "." && !isDigit($0) })
            rest = rest.dropFirst(unitText.unicodeScalars.count)
            guard !unitText.isEmpty else {
                throw failure("a number has no unit")
            }
            guard let unit = units[unitText] else {
                throw failure("unknown unit \"\(unitText)\"")
            }
            guard whole <= limit / unit else {
                throw failure("it is too large")
            }
            var value = whole * unit
            if fraction > 0 {
                value += UInt64(Double(fraction) * (Double(unit) / scale))
                guard value <= limit else { throw failure("it is too large") }
            }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow, sum <= limit else { throw failure("it is too large") }
            total = sum
        }
        if negative {
            return total == limit ? .nanoseconds(Int64.min) : .nanoseconds(-Int64(total))
        }
        guard total < limit else { throw failure("it is too large") }
        return .nanoseconds(Int64(total))
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    /// Consumes digits; returns the value, the digit count and whether it overflowed Go's limit.
    private static func leadingInteger(_ rest: inout Substring.UnicodeScalarView.SubSequence) -> (UInt64, Int, Bool) {
        var value: UInt64 = 0
        var count = 0
        var overflow = false
        while let scalar = rest.first, isDigit(scalar) {
            rest = rest.dropFirst()
            count += 1
            if overflow { continue }
            if value > (limit - 1) / 10 {
                overflow = true
                continue
            }
            value = value * 10 + UInt64(scalar.value - 0x30)
            if value > limit { overflow = true }
        }
        return (value, count, overflow)
    }

    /// Consumes fraction digits, keeping as many as fit (Go's `leadingFraction`).
    private static func leadingFraction(_ rest: inout Substring.UnicodeScalarView.SubSequence) -> (UInt64, Double, Int)
    {
        var value: UInt64 = 0
        var scale: Double = 1
        var count = 0
        var overflow = false
        while let scalar = rest.first, isDigit(scalar) {
            rest = rest.dropFirst()
            count += 1
            if overflow { continue }
            if value > (limit - 1) / 10 {
                overflow = true
                continue
            }
            let next = value * 10 + UInt64(scalar.value - 0x30)
            if next > limit {
                overflow = true
                continue
            }
            value = next
            scale *= 10
        }
        return (value, scale, count)
    }

    /// Formats a duration as Go's `Duration.String` does: `24h0m0s`, `1h30m0s`, `1.5s`, `100ms`, `0s`.
    /// - Parameter duration: The duration; values beyond Go's 64-bit range are clamped.
    /// - Returns: The Go form, which ``parse(_:at:)`` reads back to the same value.
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        let nanoseconds = overflow || sumOverflow ? (seconds < 0 ? Int64.min : Int64.max) : sum
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        if magnitude < 1_000_000_000 {
            if magnitude < 1_000 { return "\(sign)\(magnitude)ns" }
            if magnitude < 1_000_000 { return sign + decimal(magnitude, digits: 3) + "µs" }
            return sign + decimal(magnitude, digits: 6) + "ms"
        }
        let hours = magnitude / 3_600_000_000_000
        let minutes = magnitude / 60_000_000_000 % 60
        let secondsPart = decimal(magnitude % 60_000_000_000, digits: 9) + "s"
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(secondsPart)" }
        if minutes > 0 { return "\(sign)\(minutes)m\(secondsPart)" }
        return sign + secondsPart
    }

    /// `value / 10^digits` in decimal, without trailing zeros in the fraction.
    private static func decimal(_ value: UInt64, digits: Int) -> String {
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = value / divisor
        var fraction = String(value % divisor)
        guard fraction != "0" else { return String(whole) }
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
