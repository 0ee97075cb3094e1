import GRPCCore
import Logging
import SPIFFE
import SteepleServerAPIProto
import SteepleSupport
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps an X509-SVID ready for every authorized entry (one with `disable_x509_svid_prefetch` once a workload asked;
/// beyond `x509_svid_cache_max_size`, those a workload asked for): issues one as soon as an entry appears or changes, rotates
/// each at its jittered half-life, and re-issues at once when its issuing authority leaves the bundle. Keys are made
/// here; CSRs go to the server in batches. When the server activates a new X.509 authority it says so with the
/// bundle, and every SVID of the previous one is re-issued at once. Sleeps until the next rotation or the next entry change, never ticks.
struct SVIDRotator: Sendable {
    let cache: WorkloadCache
    let session: ServerSession
    let health: AgentHealth
    let logger: Logger
    /// CSRs per `BatchSignX509SVID` call.
    var batchSize = 500
    /// How long one `BatchSignX509SVID` call may take before it is abandoned (a hung connection must not hold
    /// issuance forever).
    var callTimeout = Duration.seconds(30)
    /// How long entries may wait for an SVID the agent cannot get before the watchdog trips.
    var watchdogBound = Duration.seconds(30)
    /// When an entry the server refused is asked for again (a change of the entry asks at once).
    var refusalRetry: TimeInterval = 30

    func run() async {
        let wakeups = cache.entryChanges.subscribe()
        defer { cache.entryChanges.unsubscribe(wakeups) }
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            let now = Date()
            let (stale, missing, next) = plan(now: now)
            if !stale.isEmpty {
                do {
                    let client = try await session.waitForClient(timeout: .seconds(10))
                    let refused = try await issue(stale, client: client)
                    cache.refuse(refused, until: Date() + refusalRetry)
                    health.issuanceSucceeded()
                    backoff = .milliseconds(250)
                    continue
                } catch {
                    if Task.isCancelled { return }
                    health.issuanceFailed("\(error)", at: now)
                    watch(missing: missing, error: error, now: Date())
                    logger.warning("could not issue X509-SVIDs; retrying", metadata: ["entries": "\(stale.count)", "error": "\(error)", "retry_in": "\(backoff)"])
                    await wakeups.wait(timeout: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                    continue
                }
            }
            health.issuanceSucceeded()
            let wait = next.map { Delay.until($0) }
            await wakeups.wait(timeout: wait)
        }
    }

    /// The watchdog: when entries that have no valid X509-SVID have waited for one longer than ``watchdogBound``,
    /// say so loudly, report unhealthy and ask for a fresh connection to the server (a hung one cannot heal itself).
    private func watch(missing: Int, error: any Error, now: Date) {
        guard missing > 0, let since = health.issuanceFailingSince, now.timeIntervalSince(since) >= TimeInterval(watchdogBound.components.seconds) else { return }
        let firstTrip = !health.isIssuanceStuck
        health.issuanceStuck()
        if firstTrip {
            logger.error("X509-SVID issuance is stuck: workloads are waiting for SVIDs the agent cannot get; reconnecting to the server", metadata: [
                "entries_without_svid": "\(missing)", "failing_since": "\(AgentHealth.format(since))", "error": "\(error)",
            ])
        }
        session.requestReconnect()
    }

    /// Entries whose SVID is missing, expired, outdated, due or issued by an authority no longer in the bundle (less
    /// those the server refused until later); how many of them have no valid SVID at all; and when the next SVID or
    /// refusal falls due.
    func plan(now: Date) -> (stale: [AgentEntry], missing: Int, next: Date?) {
        cache.read { state in
            guard state.synced, let bundle = state.bundle else { return ([], 0, nil) }
            var stale: [AgentEntry] = []
            var missing = 0
            var next: Date?
            // A bounded cache (x509_svid_cache_max_size) prefetches only as many new SVIDs as fit; the others wait
            // until a workload asks, and those cached keep being rotated.
            let bounded = state.isBounded
            var room = state.x509SVIDLimit.map { $0 - state.svids.count } ?? Int.max
            for entry in state.entries.values {
                // Without prefetch, an entry gets its SVID once a workload has asked for it (SPIRE's rule).
                if entry.disableX509SVIDPrefetch && !state.demanded.contains(entry.id) { continue }
                if bounded, state.svids[entry.id] == nil, !state.demanded.contains(entry.id) {
                    guard room > 0 else { continue }
                    room -= 1
                }
                if let refusal = state.refused[entry.id], refusal.until > now {
                    next = min(next ?? refusal.until, refusal.until)
                    continue
                }
                guard let issued = state.svids[entry.id], issued.shape == entry.x509Shape, issued.rotateAt > now,
                    Self.issuerIsPublished(issued, in: bundle, authorities: state.bundleAuthorityDER),
                    Self.issuedByActiveAuthority(issued, active: state.activeX509KeyID)
                else {
                    stale.append(entry)
                    if (state.svids[entry.id]?.notAfter ?? now) <= now { missing += 1 }
                    continue
                }
                next = min(next ?? issued.rotateAt, issued.rotateAt)
            }
            return (stale.sorted(by: AgentEntry.responseOrder), missing, next)
        }
    }

    /// Whether the SVID's leaf was signed by the authority the server signs with now (unknown: yes).
    static func issuedByActiveAuthority(_ issued: IssuedX509SVID, active: [UInt8]?) -> Bool {
        guard let active else { return true }
        return issued.leafAuthorityKeyID == active
    }

    /// Whether an authority of `bundle` signed the chain's last certificate. The authority found when the SVID arrived
    /// answers at the cost of a lookup while it stays published (`authorities`: the bundle's authorities' DER);
    /// otherwise the chain is parsed and checked against every authority of the bundle.
    static func issuerIsPublished(_ issued: IssuedX509SVID, in bundle: SPIFFEBundle, authorities: Set<[UInt8]>) -> Bool {
        if let known = issued.issuerAuthorityDER, authorities.contains(known) { return true }
        guard let svid = try? issued.x509SVID() else { return false }
        let top = svid.certificates[svid.certificates.count - 1]
        return bundle.x509Authorities.contains { IssuedX509SVID.signs($0, top) }
    }

    /// Issues SVIDs for `entries`; returns the IDs the server refused, with its reasons.
    private func issue(_ entries: [AgentEntry], client: ServerConnection.Client) async throws -> [String: String] {
        var refused: [String: String] = [:]
        var start = 0
        while start < entries.count {
            let batch = Array(entries[start..<min(start + batchSize, entries.count)])
            start += batch.count
            var keys: [String: Certificate.PrivateKey] = [:]
            var request = Steeple_Server_V1_BatchSignX509SVIDRequest()
            for entry in batch {
                let key = CSRBuilder.newKey()
                keys[entry.id] = key
                var params = Steeple_Server_V1_BatchSignX509SVIDRequest.Params()
                params.entryID = entry.id
                params.csr = Data(try CSRBuilder.csr(for: key))
                request.params.append(params)
            }
            var options = CallOptions.defaults
            options.timeout = callTimeout
            let response = try await client.batchSignX509SVID(request: ClientRequest(message: request), options: options)
            let receivedAt = Date()
            // The bundle's authorities, each encoded once per batch: every SVID of the batch remembers its issuer's.
            let authorities = (cache.read { $0.bundle?.x509Bundle.x509Authorities } ?? []).map { (certificate: $0, der: $0.spiffeDERBytes) }
            let byID = Dictionary(batch.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            var issued: [IssuedX509SVID] = []
            var failures: [String] = []
            var answered = Set<String>()
            for result in response.results {
                guard let entry = byID[result.entryID], let key = keys[result.entryID] else { continue }
                answered.insert(entry.id)
                if result.hasStatus, result.status.code != 0 {
                    failures.append("\(result.entryID): \(result.status.message)")
                    refused[entry.id] = result.status.message
                    continue
                }
                do {
                    let chain = try X509Bundle(trustDomain: cache.trustDomain, derBytes: Array(result.x509SvidChain)).x509Authorities
                    let svid = try X509SVID(certificates: chain, privateKey: key, hint: entry.hint)
                    guard svid.id == entry.spiffeID else {
                        failures.append("\(entry.id): the server issued \(svid.id), expected \(entry.spiffeID)")
                        refused[entry.id] = "the server issued \(svid.id), expected \(entry.spiffeID)"
                        continue
                    }
                    let leaf = svid.leaf
                    issued.append(IssuedX509SVID(entryID: entry.id, svid: svid, shape: entry.x509Shape,
                                                 rotateAt: IssuedX509SVID.rotationTime(notBefore: max(leaf.notValidBefore, receivedAt), notAfter: leaf.notValidAfter),
                                                 authorities: authorities))
                } catch {
                    failures.append("\(entry.id): \(error)")
                    refused[entry.id] = "the server's X509-SVID is unusable: \(error)"
                }
            }
            for entry in batch where !answered.contains(entry.id) { refused[entry.id] = "the server did not answer for this entry" }
            cache.store(issued)
            let cached = cache.read { $0.svids.count }
            logger.info("X509-SVIDs issued", metadata: ["count": "\(issued.count)", "cached": "\(cached)"])
            if !failures.isEmpty {
                // Entries the server refuses (deleted meanwhile, not authorized) are retried after the next change.
                logger.warning("the server refused some X509-SVIDs; retrying them in 30 s", metadata: ["failures": "\(failures.prefix(5).joined(separator: "; "))", "count": "\(failures.count)"])
            }
        }
        return refused
    }
}
