import Foundation
import Logging

/// Log lines captured by ``RecordingLogHandler``.
final class RecordedLines: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [(message: String, metadata: [String: String])] = []
    func append(_ message: String, _ metadata: [String: String]) { lock.withLock { lines.append((message, metadata)) } }
    var all: [(message: String, metadata: [String: String])] { lock.withLock { lines } }
}

struct RecordingLogHandler: LogHandler {
    let lines: RecordedLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.append(event.message.description, (event.metadata ?? [:]).mapValues { "\($0)" })
    }
}
