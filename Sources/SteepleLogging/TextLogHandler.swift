package import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text log format of `steeple-server` and `steeple-agent`: swift-log's `StreamLogHandler` line, with
/// millisecond timestamps (a second is too coarse to order what an agent and a server did):
///
///     2026-12-03T06:23:44.123+0000 notice steeple-server: caller=pid=1,uid=0,gid=0 entry_ids=web [SteepleServer] entries created
///
/// Metadata is `key=value`, sorted by key, as `StreamLogHandler` prints it, so tools that read those lines keep working.
package struct TextLogHandler: LogHandler {
    package let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    /// SPIRE's `log_source_location`: each line also names the file, line and function that logged it (`file` and
    /// `func`, logrus's caller fields).
    package var sourceLocation = false
    private let write: @Sendable (String) -> Void

    /// A handler writing each line to standard error.
    package static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> TextLogHandler {
        TextLogHandler(label: label, metadataProvider: metadataProvider, write: StandardError.write)
    }

    /// A handler giving each line, newline included, to `write`.
    package init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if sourceLocation {
            merged["file"] = "\(event.file):\(event.line)"
            merged["func"] = "\(event.function)"
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        write("\(Self.timestamp()) \(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n")
    }

    /// The local time as `2026-12-03T06:23:44.123+0000`.
    package static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &local)
        var zone = [CChar](repeating: 0, count: 16)
        strftime(&zone, zone.count, "%z", &local)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let fraction = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        let base = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let offset = String(decoding: zone.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return base + "." + fraction + offset
    }
}
