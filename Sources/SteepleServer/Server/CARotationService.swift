import Logging
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Drives the CA's rotation: sleeps exactly until the next step falls due (checking at least every minute, so a
/// changed wall clock is noticed), applies it, repeats. No ticking every few seconds. A step that changed the bundle
/// pokes the entry index, which reads the bundle's change event and pushes the new bundle to every agent at once.
struct CARotationService: Service {
    let ca: CAManager
    /// Told after a rotation step.
    let changes: any ChangeNotifier
    let logger: Logger
    let now: @Sendable () -> Date

    func run() async throws {
        try await untilGracefulShutdown {
            while !Task.isCancelled {
                let wait = min(max(ca.nextRotationEvent.timeIntervalSince(now()), 0.05), 60)
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                do {
                    if try await ca.rotate(now: now()) { changes.poke() }
                } catch {
                    logger.error("CA rotation failed; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(5))
                }
            }
        }
    }
}

/// Keeps the entry index following the change log until shutdown.
struct EntryIndexService: Service {
    let index: EntryIndex

    func run() async throws {
        try await untilGracefulShutdown {
            await index.follow()
        }
    }
}
