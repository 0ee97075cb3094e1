public import Logging
public import SPIFFE
public import ServiceLifecycle

/// The latest JWT bundles of this workload's trust domains, kept current by a `FetchJWTBundles` watch that is
/// reopened with backoff whenever it fails, plus JWT-SVIDs on demand (go-spiffe's `workloadapi.JWTSource`).
///
/// Run it as a swift-service-lifecycle `Service` (or call ``run()`` in a task); it owns its
/// ``WorkloadAPIClient``. Validate peers' tokens with `JWTSVID.parseAndValidate(token:bundles:audience:now:)`,
/// passing the source as the bundles.
public final class JWTSource: Sendable {
    /// The client the source watches and fetches with.
    public let client: WorkloadAPIClient
    private let state: WatchedState<JWTBundleSet>

    /// Creates a source; nothing connects until ``run()`` runs.
    ///
    /// - Parameters:
    ///   - endpoint: where the Workload API listens; `nil` reads `SPIFFE_ENDPOINT_SOCKET`.
    ///   - backoff: how long to wait before reopening a failed watch.
    ///   - logger: where watch failures are logged; silent by default.
    /// - Throws: ``WorkloadAPIError`` for a missing or invalid endpoint.
    public init(
        endpoint: WorkloadAPIEndpoint? = nil,
        backoff: WorkloadAPIBackoff = WorkloadAPIBackoff(),
        logger: Logger = Logger(label: "spiffe.workloadapi", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(WorkloadAPIError) {
        self.client = try WorkloadAPIClient(endpoint: WorkloadAPIEndpoint.explicitOrEnvironment(endpoint), logger: logger)
        self.state = WatchedState(name: "JWTSource", backoff: backoff, logger: logger)
    }

    /// The latest JWT bundles, or `nil` before the first update.
    public var jwtBundles: JWTBundleSet? { state.latest }

    /// The error of the last failed watch, or `nil` once an update arrived after it.
    public var lastError: WorkloadAPIError? { state.lastError }

    /// A fresh JWT-SVID from the Workload API (a unary `FetchJWTSVID` per call, as py-spiffe's `JwtSource`).
    ///
    /// - Throws: as ``WorkloadAPIClient/fetchJWTSVIDs(audience:subject:)``.
    public func fetchJWTSVID(audience: [String], subject: SPIFFEID? = nil) async throws(WorkloadAPIError) -> JWTSVID {
        try await client.fetchJWTSVID(audience: audience, subject: subject)
    }

    /// The latest bundles, waiting for the first update.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled, or ``WorkloadAPIError/Code/clientClosed``
    ///   when the source stops first.
    public func ready() async throws -> JWTBundleSet {
        try await state.ready()
    }

    /// Every update from now on, starting with the latest one when there is one; only the newest unread update
    /// is kept. The sequence finishes when the source stops.
    public func updates() -> AsyncStream<JWTBundleSet> {
        state.updates()
    }
}

extension JWTSource: JWTBundleSource {
    /// The JWT bundle of `trustDomain` in the latest update, or `nil`.
    public func jwtBundle(for trustDomain: TrustDomain) -> JWTBundle? {
        state.latest?.jwtBundle(for: trustDomain)
    }
}

extension JWTSource: Service {
    /// Runs the client and the watch until the task is cancelled or the service group shuts down gracefully,
    /// then closes the client.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.client.run() }
            await cancelWhenGracefulShutdown {
                await self.state.run { self.client.watchJWTBundles() }
            }
            client.close()
        }
    }
}
