import SteepleSupport

/// Text formats of Go's standard library that SPIRE's CLI output is made of.
enum GoFormatting {
    /// Go's `%q`: a double-quoted string with `"` and `\` escaped and control characters written as escapes.
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Go's `time.Unix(seconds, 0).UTC().String()`: `2019-03-12 17:04:26 +0000 UTC`.
    static func utcTime(unixSeconds: Int64) -> String {
        let (year, month, day, hour, minute, second) = CivilCalendar.components(secondsSince1970: unixSeconds)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)) +0000 UTC"
    }

    /// Go's `time.RFC3339` in UTC: `2019-03-12T17:04:26Z`, as SPIRE's mint commands print expiries.
    static func rfc3339(unixSeconds: Int64) -> String {
        let text = utcTime(unixSeconds: unixSeconds)
        return String(text.prefix(10)) + "T" + String(text.dropFirst(11).prefix(8)) + "Z"
    }

    /// Seconds since the epoch of midnight UTC at the start of `YYYY-MM-DD`, or `nil` when `text` is not such a date.
    static func unixSeconds(ofDate text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        return CivilCalendar.daysSince1970(year: year, month: month, day: day) * 86_400
    }

    /// `count` followed by the singular or plural noun, as SPIRE's `util.Pluralizer`: `1 entry`, `0 entries`.
    static func counted(_ count: Int, _ singular: String, _ plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
