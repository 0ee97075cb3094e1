import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line, as SPIRE's `log_format = "json"` does:
///
///     {"time":"2025-01-02T03:04:05.678Z","level":"info","msg":"started","logger":"steeple-server","port":"8081"}
///
/// `time`, `level`, `msg` and `logger` come first, then `error` when the event carries one, then the metadata in key
/// order (handler metadata, then the metadata provider's, then the call's). A metadata key that collides with one of
/// those gets the prefix `fields.`, as logrus does.
struct JSONLogHandler: LogHandler {
    /// The logger's label.
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// Receives each line, without the newline.
    private let write: @Sendable (String) -> Void
    /// The clock for the `time` field.
    private let now: @Sendable () -> Date

    private static let reservedKeys: Set<String> = ["time", "level", "msg", "logger", "error"]

    /// Creates a handler.
    /// - Parameters:
    ///   - label: The logger's label, written as `logger`.
    ///   - metadataProvider: Adds contextual metadata to every line.
    ///   - write: Receives each line; standard error by default.
    ///   - now: The time of each line; the system clock by default.
    init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = StandardError.writeLine,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
        self.now = now
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        var line = "{"
        Self.appendField("time", .string(Self.timestamp(now())), to: &line, first: true)
        Self.appendField("level", .string(event.level.rawValue), to: &line)
        Self.appendField("msg", .string(event.message.description), to: &line)
        Self.appendField("logger", .string(label), to: &line)
        if let error = event.error {
            Self.appendField("error", .string("\(error)"), to: &line)
        }
        for key in merged.keys.sorted() {
            let name = Self.reservedKeys.contains(key) ? "fields." + key : key
            Self.appendField(name, merged[key]!, to: &line)
        }
        line += "}"
        write(line)
    }

    private static func appendField(
        _ key: String, _ value: Logger.MetadataValue, to line: inout String, first: Bool = false
    ) {
        if !first { line += "," }
        appendString(key, to: &line)
        line += ":"
        appendValue(value, to: &line)
    }

    private static func appendValue(_ value: Logger.MetadataValue, to line: inout String) {
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
            line += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                appendField(key, dictionary[key]!, to: &line, first: index == 0)
            }
            line += "}"
        }
    }

    /// Appends `text` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func appendString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }

    /// RFC 3339 in UTC with milliseconds, such as `2025-01-02T03:04:05.678Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
