public import Logging
public import SPIFFE
public import ServiceLifecycle

/// The latest X509-SVIDs and X.509 bundles of this workload, kept current by a `FetchX509SVID` watch that is
/// reopened with backoff whenever it fails (go-spiffe's `workloadapi.X509Source`).
///
/// Run it as a swift-service-lifecycle `Service` (or call ``run()`` in a task); it owns its
/// ``WorkloadAPIClient`` and closes it when it stops. Readers use ``svid()``, ``x509Context()``, the
/// ``X509BundleSource`` conformance, or ``updates()``:
///
/// ```swift
/// let source = try X509Source()
/// let group = ServiceGroup(services: [source, myServer], logger: logger)
/// // elsewhere: let context = try await source.ready()
/// ```
public final class X509Source: Sendable {
    /// The client the source watches with.
    public let client: WorkloadAPIClient
    private let state: WatchedState<X509Context>
    private let picker: (@Sendable ([X509SVID]) -> X509SVID?)?

    /// Creates a source; nothing connects until ``run()`` runs.
    ///
    /// - Parameters:
    ///   - endpoint: where the Workload API listens; `nil` reads `SPIFFE_ENDPOINT_SOCKET`.
    ///   - backoff: how long to wait before reopening a failed watch.
    ///   - picker: chooses the SVID ``svid()`` returns (for example by hint); the default SVID when `nil` or when
    ///     it returns `nil`.
    ///   - logger: where watch failures are logged; silent by default.
    /// - Throws: ``WorkloadAPIError`` for a missing or invalid endpoint.
    public init(
        endpoint: WorkloadAPIEndpoint? = nil,
        backoff: WorkloadAPIBackoff = WorkloadAPIBackoff(),
        picker: (@Sendable ([X509SVID]) -> X509SVID?)? = nil,
        logger: Logger = Logger(label: "spiffe.workloadapi", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(WorkloadAPIError) {
        self.client = try WorkloadAPIClient(endpoint: WorkloadAPIEndpoint.explicitOrEnvironment(endpoint), logger: logger)
        self.state = WatchedState(name: "X509Source", backoff: backoff, logger: logger)
        self.picker = picker
    }

    /// The latest X509 context, or `nil` before the first update.
    public var x509Context: X509Context? { state.latest }

    /// The error of the last failed watch, or `nil` once an update arrived after it.
    public var lastError: WorkloadAPIError? { state.lastError }

    /// The SVID to present: the picker's choice, else the default one.
    ///
    /// - Throws: ``WorkloadAPIError/Code/unavailable`` before the first update (the message carries the last
    ///   watch error, if any).
    public func svid() throws(WorkloadAPIError) -> X509SVID {
        guard let context = state.latest else {
            throw WorkloadAPIError(
                code: .unavailable,
                message: "X509Source has no SVID yet" + (state.lastError.map { ": \($0.message)" } ?? ""),
                cause: state.lastError
            )
        }
        return picker?(context.svids) ?? context.defaultSVID
    }

    /// The latest X509 context, waiting for the first update (go-spiffe's `NewX509Source` blocks the same way).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled, or ``WorkloadAPIError/Code/clientClosed``
    ///   when the source stops first.
    public func ready() async throws -> X509Context {
        try await state.ready()
    }

    /// Every update from now on, starting with the latest one when there is one; only the newest unread update
    /// is kept. The sequence finishes when the source stops.
    public func updates() -> AsyncStream<X509Context> {
        state.updates()
    }
}

extension X509Source: X509BundleSource {
    /// The bundle of `trustDomain` in the latest context, or `nil` (before the first update, or for a trust domain
    /// the workload does not trust).
    public func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? {
        state.latest?.bundles.x509Bundle(for: trustDomain)
    }
}

extension X509Source: Service {
    /// Runs the client and the watch until the task is cancelled or the service group shuts down gracefully,
    /// then closes the client.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.client.run() }
            await cancelWhenGracefulShutdown {
                await self.state.run { self.client.watchX509Context() }
            }
            client.close()
        }
    }
}

extension X509Source: X509SVIDSource {}
