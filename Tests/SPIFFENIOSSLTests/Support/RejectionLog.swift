import Logging
import Synchronization

/// Collects the `error.code` of every peer rejection the SPIFFENIOSSL verifier logs, so tests can check that a
/// handshake failed for the expected reason.
final class RejectionLog: Sendable {
    private let codes = Mutex<[String]>([])

    /// A logger that records into this log.
    var logger: Logger {
        Logger(label: "test.spiffe.tls") { _ in RecordingLogHandler(log: self) }
    }

    /// The codes recorded so far, waiting up to five seconds for at least one.
    func recordedCodes() async throws -> [String] {
        for _ in 0..<500 {
            let seen = codes.withLock { $0 }
            if !seen.isEmpty { return seen }
            try await Task.sleep(for: .milliseconds(10))
        }
        return []
    }

    fileprivate func record(_ code: String) {
        codes.withLock { $0.append(code) }
    }
}

private struct RecordingLogHandler: LogHandler {
    let log: RejectionLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if let code = event.metadata?["error.code"] {
            log.record("\(code)")
        }
    }
}
