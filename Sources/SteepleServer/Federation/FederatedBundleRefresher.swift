import Logging
import SPIFFE
import ServiceLifecycle
import SteepleDatastore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps every federated bundle fresh: one refresh loop per relationship, configured (`federates_with` in
/// `server.conf`, which wins over a stored one for the same trust domain, as in SPIRE) or stored (the TrustDomain
/// API). Each loop fetches at once, then every quarter of the peer's `refresh_hint` (SPIRE's rhythm), and backs off
/// from 1 s to 16 s after failures. A fetched bundle is stored only when it parses completely, holds an authority, and its
/// sequence number does not go backwards; any failure keeps the last good bundle and is logged with the reason.
final class FederatedBundleRefresher: FederatedBundleRefreshing, Service {
    /// The shortest and longest wait between two successful fetches.
    static let intervalBounds: ClosedRange<Duration> = .seconds(1) ... .seconds(6 * 3600)
    /// The refresh hint assumed when a bundle has none (SPIRE's default bundle endpoint hint).
    static let defaultRefreshHint: Duration = .seconds(300)
    /// How often stored relationships are re-read even without an API call here (writes by another server).
    static let reloadInterval: Duration = .seconds(10)

    private let ownTrustDomain: TrustDomain
    private let configured: [TrustDomain: FederationRelationship]
    private let relationships: any FederationRelationshipStore
    private let bundles: any BundleStore
    private let client: BundleEndpointClient
    private let changes: any ChangeNotifier
    private let logger: Logger
    private let reloads: AsyncStream<Void>
    private let reloadRequests: AsyncStream<Void>.Continuation
    private let managed = Mutex<[TrustDomain: Managed]>([:])

    private struct Managed {
        var relationship: FederationRelationship
        var loop: Task<Void, Never>?
    }

    init(
        ownTrustDomain: TrustDomain,
        configured: [FederationRelationship],
        relationships: any FederationRelationshipStore,
        bundles: any BundleStore,
        client: BundleEndpointClient,
        changes: any ChangeNotifier,
        logger: Logger
    ) {
        self.ownTrustDomain = ownTrustDomain
        self.configured = Dictionary(configured.map { ($0.trustDomain, $0) }, uniquingKeysWith: { _, last in last })
        self.relationships = relationships
        self.bundles = bundles
        self.client = client
        self.changes = changes
        self.logger = logger
        (reloads, reloadRequests) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func relationshipsChanged() {
        reloadRequests.yield()
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { [reloadRequests] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.reloadInterval)
                    reloadRequests.yield()
                }
            }
            await reload()
            for await _ in reloads.cancelOnGracefulShutdown() {
                await reload()
            }
            group.cancelAll()
        }
        let loops = managed.withLock { state in
            defer { state = [:] }
            return state.values.compactMap(\.loop)
        }
        for loop in loops { loop.cancel() }
        for loop in loops { await loop.value }
    }

    func refreshBundle(of trustDomain: TrustDomain) async throws(FederationError) -> Bool {
        await reload(startLoops: false)
        guard let relationship = managed.withLock({ $0[trustDomain]?.relationship }) else { return false }
        _ = try await refresh(relationship)
        return true
    }

    /// Re-reads the stored relationships and starts, re-points or stops loops to match.
    private func reload(startLoops: Bool = true) async {
        var wanted: [TrustDomain: FederationRelationship] = [:]
        do {
            var token: String?
            repeat {
                let page = try await relationships.listFederationRelationships(pagination: Pagination(token: token, size: 1000))
                for relationship in page.items { wanted[relationship.trustDomain] = relationship }
                token = page.nextToken
            } while token != nil
        } catch {
            logger.warning("cannot read federation relationships: keeping the current ones", metadata: ["error": "\(error)"])
            return
        }
        for (trustDomain, relationship) in configured { wanted[trustDomain] = relationship }
        wanted[ownTrustDomain] = nil
        let stopped: [Task<Void, Never>] = managed.withLock { state in
            var stopped: [Task<Void, Never>] = []
            for (trustDomain, current) in state where wanted[trustDomain] == nil {
                if let loop = current.loop { stopped.append(loop) }
                state[trustDomain] = nil
                logger.info("trust domain no longer managed", metadata: ["trust_domain": "\(trustDomain.name)"])
            }
            for (trustDomain, relationship) in wanted {
                if var current = state[trustDomain] {
                    if current.relationship != relationship {
                        current.relationship = relationship
                        logger.info("updated configuration for managed trust domain", metadata: ["trust_domain": "\(trustDomain.name)", "bundle_endpoint_url": "\(relationship.bundleEndpointURL)"])
                    }
                    if startLoops, current.loop == nil { current.loop = startLoop(trustDomain) }
                    state[trustDomain] = current
                } else {
                    state[trustDomain] = Managed(relationship: relationship, loop: startLoops ? startLoop(trustDomain) : nil)
                    logger.info("trust domain is now managed", metadata: ["trust_domain": "\(trustDomain.name)", "bundle_endpoint_url": "\(relationship.bundleEndpointURL)", "profile": "\(relationship.profile.name)"])
                }
            }
            return stopped
        }
        for loop in stopped { loop.cancel() }
    }

    private func startLoop(_ trustDomain: TrustDomain) -> Task<Void, Never> {
        Task { [weak self] in
            var failures = 0
            while !Task.isCancelled {
                guard let self, let relationship = self.managed.withLock({ $0[trustDomain]?.relationship }) else { return }
                let wait: Duration
                do {
                    let bundle = try await self.refresh(relationship)
                    failures = 0
                    wait = Self.interval(refreshHint: bundle.refreshHint)
                } catch {
                    failures += 1
                    wait = min(Duration.seconds(1 << min(failures - 1, 4)), Self.interval(refreshHint: nil))
                    self.logger.warning(
                        "federated bundle not refreshed: keeping the last good bundle",
                        metadata: ["trust_domain": "\(trustDomain.name)", "error": "\(error)", "retry_in": "\(wait)"]
                    )
                }
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// How long to wait after a successful fetch of a bundle with `refreshHint`.
    static func interval(refreshHint: Duration?) -> Duration {
        let hint = refreshHint.flatMap { $0 > .zero ? $0 : nil } ?? defaultRefreshHint
        return min(max(hint / 4, intervalBounds.lowerBound), intervalBounds.upperBound)
    }

    /// Fetches and, when it is new and acceptable, stores the bundle of `relationship`'s trust domain.
    @discardableResult
    private func refresh(_ relationship: FederationRelationship) async throws(FederationError) -> SPIFFEBundle {
        let trustDomain = relationship.trustDomain
        var endpointBundle: X509Bundle?
        if case .httpsSPIFFE(let endpointID) = relationship.profile {
            endpointBundle = try await storedBundle(endpointID.trustDomain)?.x509Bundle
        }
        let fetched = try await client.fetch(relationship, endpointBundle: endpointBundle)
        let stored: BundleRecord?
        do {
            stored = try await bundles.fetchBundle(trustDomain: trustDomain)
        } catch {
            throw FederationError("cannot read the stored bundle of \(trustDomain.name): \(error)")
        }
        let record = fetched.record
        if let stored, let newSequence = fetched.sequenceNumber, newSequence < stored.sequenceNumber {
            throw FederationError(
                "bundle from \(relationship.bundleEndpointURL) has sequence number \(newSequence), behind the stored \(stored.sequenceNumber): refusing to go backwards"
            )
        }
        guard stored?.document != record.document else { return fetched }
        do {
            _ = try await bundles.setBundle(record)
        } catch {
            throw FederationError("failed to store fetched federated bundle of \(trustDomain.name): \(error)")
        }
        // Logged before agents are told: a workload that sees the new bundle can count on the line being written.
        logger.info("bundle refreshed", metadata: ["trust_domain": "\(trustDomain.name)", "sequence_number": "\(record.sequenceNumber)", "x509_authorities": "\(fetched.x509Authorities.count)", "jwt_authorities": "\(fetched.jwtAuthorities.count)"])
        changes.poke()
        return fetched
    }

    private func storedBundle(_ trustDomain: TrustDomain) async throws(FederationError) -> SPIFFEBundle? {
        do {
            guard let record = try await bundles.fetchBundle(trustDomain: trustDomain) else { return nil }
            return try SPIFFEBundle(trustDomain: trustDomain, json: record.document)
        } catch {
            throw FederationError("cannot read the stored bundle of \(trustDomain.name): \(error)")
        }
    }
}
