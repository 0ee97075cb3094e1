import Logging
import Synchronization

/// Logs refused agent credentials and attestations at warning level, at most once per ``interval`` for each caller
/// and reason (a refused agent retries every second or two; one line per retry would bury everything else), with how
/// many were suppressed since.
final class AgentRejectionLog: Sendable {
    static let interval: Duration = .seconds(10)
    /// Keys remembered at most; beyond it the memory is cleared (a flood of distinct callers then logs again).
    static let maximumKeys = 10_000

    private struct Seen {
        var at: ContinuousClock.Instant
        var suppressed: Int
    }

    private let logger: Logger
    private let seen = Mutex<[String: Seen]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `message` with `metadata` unless the same `key` was logged less than ``interval`` ago.
    func reject(_ message: Logger.Message, key: String, metadata: Logger.Metadata) {
        let now = ContinuousClock.now
        let suppressed: Int? = seen.withLock { seen in
            if let last = seen[key], now - last.at < Self.interval {
                seen[key]?.suppressed += 1
                return nil
            }
            if seen.count >= Self.maximumKeys { seen.removeAll() }
            let count = seen[key]?.suppressed ?? 0
            seen[key] = Seen(at: now, suppressed: 0)
            return count
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }

    /// `ipv4:10.0.0.5` for `ipv4:10.0.0.5:53412`: a peer without its ephemeral port, so that one host's retries
    /// (each on a new connection) share a key.
    static func host(of peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":"), peer[peer.index(after: colon)...].allSatisfy(\.isNumber) else { return peer }
        return String(peer[..<colon])
    }
}
