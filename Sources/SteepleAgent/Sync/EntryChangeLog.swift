import Logging

/// SPIRE's per-entry debug lines for what a sync changed (`Entry created`, `Entry updated`, `Entry deleted`, with
/// `entry_id` and `spiffe_id`), which operators and SPIRE's own integration suites grep the agent's log for. Only
/// computed when the logger is at debug level: a snapshot of many entries costs nothing otherwise.
struct EntryChangeLog {
    let logger: Logger

    var enabled: Bool { logger.logLevel <= .debug }

    /// Logs the difference between `before` (the cache's entries) and `upserted` / `deleted`.
    func log(before: [String: AgentEntry], upserted: [AgentEntry], deleted: [String]) {
        guard enabled else { return }
        for entry in upserted {
            let message: Logger.Message
            switch before[entry.id] {
            case nil: message = "Entry created"
            case let old? where old == entry: continue
            default: message = "Entry updated"
            }
            logger.debug(message, metadata: ["entry_id": "\(entry.id)", "spiffe_id": "\(entry.spiffeID)", "selectors_added": "\(entry.selectors.count)"])
        }
        for id in deleted {
            guard let old = before[id] else { continue }
            logger.debug("Entry deleted", metadata: ["entry_id": "\(id)", "spiffe_id": "\(old.spiffeID)"])
        }
    }

    /// Logs what replacing `before` with the complete `snapshot` changes.
    func log(before: [String: AgentEntry], snapshot: [AgentEntry]) {
        guard enabled else { return }
        let kept = Set(snapshot.map(\.id))
        log(before: before, upserted: snapshot, deleted: before.keys.filter { !kept.contains($0) })
    }
}
