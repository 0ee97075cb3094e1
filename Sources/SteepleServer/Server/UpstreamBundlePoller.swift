import Logging
import ServiceLifecycle

/// Nested servers: follows the upstream server's bundle (SPIRE's `spire` upstream authority polls it every 5 s), so
/// that the roots and JWT keys of the other servers of the trust domain reach this server's agents and workloads. A
/// change is published at once, with the sequence bumped; a failed poll keeps what is published and is retried.
struct UpstreamBundlePoller: Service {
    let upstream: SPIREUpstreamAuthority
    let ca: CAManager
    let changes: any ChangeNotifier
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        try await untilGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    if try await ca.applyUpstreamBundle(try await upstream.fetchBundle()) { changes.poke() }
                    if failing { logger.info("upstream bundle reachable again") }
                    failing = false
                } catch is CancellationError {
                    return
                } catch {
                    // Once per outage, not every 5 s.
                    if !failing { logger.warning("cannot read the upstream bundle; keeping the one published", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
