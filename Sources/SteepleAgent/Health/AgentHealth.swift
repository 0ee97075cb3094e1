import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether the agent can serve valid SVIDs, and if not, why: the one place the Workload API (fail fast with
/// `Unavailable`), `healthcheck` and the issuance watchdog read. Writers are the server link (connection state,
/// banned/evicted), the SVID rotator (issuance failing) and the identity holder (the agent's own SVID).
final class AgentHealth: Sendable {
    /// Why the agent refuses to serve at all: the server disowned it and it cannot attest again by itself.
    enum Disowned: Sendable, Equatable {
        case banned(String)
        case evicted(String)

        var reason: String {
            switch self {
            case .banned(let message):
                return "the server banned this agent (\(message)): it serves no SVIDs; remove the ban on the server (agent evict) and restart the agent to attest again"
            case .evicted(let message):
                return "the server no longer knows this agent (\(message)) and its node attestor cannot attest again by itself: restart the agent with a new join token"
            }
        }
    }

    /// The link to the server.
    enum Link: Sendable, Equatable {
        /// The first connection since start is being made.
        case starting
        case connected
        /// The last attempt failed; retrying.
        case disconnected(since: Date, error: String)
        /// Disowned: not retrying.
        case stopped
    }

    private struct State {
        var link = Link.starting
        var disowned: Disowned?
        /// Set while X509-SVID issuance fails for entries that need one; cleared by a successful round.
        var issuanceFailingSince: Date?
        var issuanceError: String?
        /// Set by the watchdog when issuance has been failing longer than its bound.
        var issuanceStuck = false
    }

    private let state = Mutex(State())
    /// The agent's own SVID.
    private let identity: AgentIdentityHolder
    /// Wakes Workload API streams when health changes (they may have to end with `Unavailable`).
    let changes: ChangeBroadcaster

    init(identity: AgentIdentityHolder, changes: ChangeBroadcaster) {
        self.identity = identity
        self.changes = changes
    }

    // MARK: writers

    func linkChanged(_ link: Link) {
        let changed = state.withLock { state -> Bool in
            if case .disconnected = state.link, case .disconnected = link { return false }
            guard state.link != link else { return false }
            state.link = link
            return true
        }
        if changed { changes.notify() }
    }

    func disown(_ why: Disowned) {
        state.withLock { state in
            state.disowned = why
            state.link = .stopped
        }
        changes.notify()
    }


    func issuanceFailed(_ error: String, at now: Date) {
        state.withLock { state in
            if state.issuanceFailingSince == nil { state.issuanceFailingSince = now }
            state.issuanceError = error
        }
    }

    func issuanceSucceeded() {
        let wasStuck = state.withLock { state -> Bool in
            defer {
                state.issuanceFailingSince = nil
                state.issuanceError = nil
                state.issuanceStuck = false
            }
            return state.issuanceStuck
        }
        if wasStuck { changes.notify() }
    }

    func issuanceStuck() {
        state.withLock { $0.issuanceStuck = true }
        changes.notify()
    }

    // MARK: readers

    var issuanceFailingSince: Date? { state.withLock { $0.issuanceFailingSince } }

    var isIssuanceStuck: Bool { state.withLock { $0.issuanceStuck } }

    var disowned: Disowned? { state.withLock { $0.disowned } }

    /// Nil when healthy; otherwise why the agent cannot serve valid SVIDs.
    func unhealthyReason(now: Date) -> String? {
        let ownExpiry = identity.current.expiresAt
        return state.withLock { state in
            if let disowned = state.disowned { return disowned.reason }
            if ownExpiry <= now {
                return "the agent's own SVID expired at \(Self.format(ownExpiry)) and the server has not renewed it (\(Self.describe(state.link)))"
            }
            if state.issuanceStuck, let since = state.issuanceFailingSince {
                return "X509-SVID issuance has been failing since \(Self.format(since)): \(state.issuanceError ?? "unknown error")"
            }
            return nil
        }
    }

    /// Nil when a workload waiting for a missing or expired SVID may expect one soon; otherwise why not. A first
    /// connection still being made counts as soon; a lost server, a stuck issuance or a disowned agent do not.
    func cannotIssueReason(now: Date) -> String? {
        if let reason = unhealthyReason(now: now) { return reason }
        return state.withLock { state in
            switch state.link {
            case .starting, .connected: return nil
            case .disconnected, .stopped: return "the agent cannot reach the server (\(Self.describe(state.link)))"
            }
        }
    }

    /// What `healthcheck -verbose` prints about the link.
    var linkDescription: String { state.withLock { Self.describe($0.link) } }

    private static func describe(_ link: Link) -> String {
        switch link {
        case .starting: return "connecting to the server for the first time"
        case .connected: return "connected to the server"
        case .disconnected(let since, let error): return "disconnected from the server since \(format(since)): \(error)"
        case .stopped: return "not connecting to the server any more"
        }
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
