import Logging
import PostgresNIO
import SteepleDatastore

/// Cross-server change notification: every write transaction that appends to the change log also sends
/// `NOTIFY steeple_change_log` (PostgreSQL delivers it at commit, to every listening session, and never for a
/// transaction that rolled back). A server listens on one connection of its pool and follows the change log on each
/// notification; after (re)connecting it follows it once more, so notifications missed while disconnected cost
/// nothing: the log itself, gap-free, is what the server reads.
extension PostgresDatastore {
    /// The channel the change log's writers notify.
    static let changeChannel = "steeple_change_log"

    /// Calls `changed` on every committed write of any server, and once after each (re)connection, until the task
    /// is cancelled. Connection failures are logged and retried with a backoff (100 ms doubling to 5 s).
    package func followChanges(_ changed: @escaping @Sendable () -> Void) async {
        var backoff = Duration.milliseconds(100)
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.changeChannel) { notifications in
                        if failures > 0 {
                            logger.info("listening to PostgreSQL change notifications again", metadata: ["datastore": "\(description)"])
                        }
                        failures = 0
                        backoff = .milliseconds(100)
                        // Whatever was committed before the LISTEN took effect is read from the log now.
                        changed()
                        for try await _ in notifications { changed() }
                    }
                }
                if Task.isCancelled { return }
                throw DatastoreListenError.ended
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("PostgreSQL change notifications interrupted; reconnecting", metadata: [
                    "datastore": "\(description)", "error": "\(Self.storageError("LISTEN", error).message)",
                    "retry_in": "\(backoff)", "failures": "\(failures)",
                ])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}

private enum DatastoreListenError: Error, CustomStringConvertible {
    case ended
    var description: String { "the notification stream ended" }
}
