package import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `log_format = "json"` format of `steeple-server` and `steeple-agent`: one JSON object per line, shaped as the
/// lines of SPIRE, which uses logrus's `JSONFormatter` with RFC 3339 timestamps to the nanosecond:
///
///     {"level":"info","logger":"steeple-agent","msg":"node attested","spiffe_id":"spiffe://example.org/host","time":"2026-12-03T06:23:44.123456789Z"}
///
/// As logrus writes them (Go's `encoding/json` marshalling a map):
/// - keys in byte order, the line compact and ended by a newline;
/// - `level` is logrus's name: `trace`, `debug`, `info`, `warning`, `error`; swift-log's `notice` is written as `info`
///   and `critical` as `error`, the nearest levels logrus has;
/// - `msg` is the message; `time` is local time as Go's `time.RFC3339Nano` formats it (fraction without trailing
///   zeros, none when zero; `Z` for UTC, else `+hh:mm`);
/// - the metadata (handler, then metadata provider, then the call's, later ones winning) as top-level keys, as
///   they are: strings stay strings, arrays become arrays, dictionaries objects;
/// - strings escaped as `encoding/json` does with logrus's HTML escaping on: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
///   `\t`, other control characters as `\u00XX`, `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`; everything else
///   (non-ASCII included) as UTF-8.
///
/// Two keys are ours: `logger` (the logger's label, which the text format prints too) and `error` (the event's
/// `error`, when it has one). A metadata key equal to one the handler writes itself (`time`, `level`, `msg`,
/// `logger`, and `error` when the event has one) is written as `fields.<key>`, as logrus does for `time`, `level`
/// and `msg`.
package struct JSONLogHandler: LogHandler {
    package let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    /// SPIRE's `log_source_location`: each line also names the file, line and function that logged it (`file` and
    /// `func`, logrus's caller fields).
    package var sourceLocation = false
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> LogTime

    /// A handler writing each line to standard error (whole lines, never interleaved with another handler's).
    package static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> JSONLogHandler {
        JSONLogHandler(label: label, metadataProvider: metadataProvider, write: StandardError.write)
    }

    /// A handler giving each line, newline included, to `write`, with the time of each line from `clock`.
    package init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        clock: @escaping @Sendable () -> LogTime = LogTime.now,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.clock = clock
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let explicit = event.metadata { fields.merge(explicit) { _, new in new } }

        var own: [String: Logger.MetadataValue] = [
            "time": .string(clock().rfc3339Nano),
            "level": .string(Self.levelName(event.level)),
            "msg": .string(event.message.description),
            "logger": .string(label),
        ]
        if let error = event.error { own["error"] = .string("\(error)") }
        if sourceLocation {
            own["file"] = .string("\(event.file):\(event.line)")
            own["func"] = .string(event.function)
        }

        var object = own
        for (key, value) in fields {
            object[own[key] == nil ? key : "fields." + key] = value
        }
        var line = ""
        Self.appendObject(object, to: &line)
        line += "\n"
        write(line)
    }

    /// logrus's name of the nearest level.
    package static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "trace"
        case .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error, .critical: "error"
        }
    }

    /// Appends `object` with its keys in byte order, as Go's `encoding/json` sorts a map's keys.
    static func appendObject(_ object: [String: Logger.MetadataValue], to line: inout String) {
        line += "{"
        var first = true
        for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if !first { line += "," }
            first = false
            appendString(key, to: &line)
            line += ":"
            appendValue(object[key]!, to: &line)
        }
        line += "}"
    }

    static func appendValue(_ value: Logger.MetadataValue, to line: inout String) {
        switch value {
        case .string(let text):
            appendString(text, to: &line)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &line)
        case .array(let elements):
            line += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let dictionary):
            appendObject(dictionary, to: &line)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    /// Appends `text` as a JSON string escaped as Go's `encoding/json` escapes it with HTML escaping on.
    package static func appendString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: line += "\\\""
            case 0x5C: line += "\\\\"
            case 0x08: line += "\\b"
            case 0x0C: line += "\\f"
            case 0x0A: line += "\\n"
            case 0x0D: line += "\\r"
            case 0x09: line += "\\t"
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x2028, 0x2029:
                let value = Int(scalar.value)
                line += "\\u"
                for shift in [12, 8, 4, 0] { line.unicodeScalars.append(hexDigits[(value >> shift) & 0xF]) }
            default:
                line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}

/// The time of a log line: an instant and the local time zone's offset from UTC at that instant.
package struct LogTime: Sendable, Equatable {
    /// Seconds since 1970-01-01T00:00:00Z.
    package var seconds: Int
    /// Nanoseconds into the second, 0 to 999,999,999.
    package var nanoseconds: Int
    /// The local offset from UTC in seconds (east positive), as `tm_gmtoff`.
    package var utcOffset: Int

    package init(seconds: Int, nanoseconds: Int, utcOffset: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.utcOffset = utcOffset
    }

    /// The real-time clock, in the process's local time zone (`TZ`, else `/etc/localtime`).
    @Sendable package static func now() -> LogTime {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var local = tm()
        let offset = localtime_r(&seconds, &local) != nil ? Int(local.tm_gmtoff) : 0
        return LogTime(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec), utcOffset: offset)
    }

    /// As Go's `time.RFC3339Nano` formats it (`2006-01-02T15:04:05.999999999Z07:00`): `2026-12-03T06:23:44.1234Z`,
    /// `2026-12-03T07:23:44+01:00`. Years outside 0…9999 are not expected (log lines are written now).
    package var rfc3339Nano: String {
        var shifted = time_t(seconds + utcOffset)
        var parts = tm()
        guard gmtime_r(&shifted, &parts) != nil else { return "<unknown>" }
        var text = Self.digits(Int(parts.tm_year) + 1900, 4) + "-" + Self.digits(Int(parts.tm_mon) + 1, 2) + "-"
            + Self.digits(Int(parts.tm_mday), 2) + "T" + Self.digits(Int(parts.tm_hour), 2) + ":"
            + Self.digits(Int(parts.tm_min), 2) + ":" + Self.digits(Int(parts.tm_sec), 2)
        if nanoseconds > 0 {
            var fraction = Self.digits(nanoseconds, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        if utcOffset == 0 {
            text += "Z"
        } else {
            let minutes = abs(utcOffset) / 60
            text += (utcOffset < 0 ? "-" : "+") + Self.digits(minutes / 60, 2) + ":" + Self.digits(minutes % 60, 2)
        }
        return text
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
