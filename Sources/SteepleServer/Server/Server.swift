import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
package import Logging
import SteepleKubernetes
import SPIFFE
import SPIFFECA
import ServiceLifecycle
import UnixSignals
import SteepleDatastore
import SteepleDatastoreSQLite
import SteepleDatastorePostgres
package import SteepleLogging
package import SteepleTelemetry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The composition root of `steeple-server run`: opens the datastore, loads or creates the CA, and runs the
/// admin API, the agent API, the CA rotation and the health listener as one service group until a signal stops it.
package struct Server: Sendable {
    package let configuration: ServerConfiguration
    package let logger: Logger
    /// The process's log level, for SPIRE's Logger API (`logger get|set|reset`).
    package let logLevelControl: LogLevelControl
    /// The process's metrics sinks (`telemetry { … }`), started by the executable, which owns the process-wide factory.
    package let telemetry: Telemetry?

    package init(configuration: ServerConfiguration, logger: Logger, logLevelControl: LogLevelControl, telemetry: Telemetry? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.logLevelControl = logLevelControl
        self.telemetry = telemetry
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    package func run() async throws {
        let now: @Sendable () -> Date = { Date() }
        try UnixSocketPath.makeDirectories(configuration.dataDirectory, mode: 0o700)
        let logger = self.logger
        let datastore = try await Self.openDatastore(configuration, now: now, logger: logger)
        do {
            try await run(datastore: datastore, now: now)
        } catch {
            await datastore.close()
            throw error
        }
        await datastore.close()
    }

    private func run(datastore: OpenedDatastore, now: @escaping @Sendable () -> Date) async throws {
        let logger = self.logger
        let store = datastore.store
        let keyManager: any KeyManager
        switch configuration.keyManager {
        case .disk(let path): keyManager = try DiskKeyManager(path: path ?? configuration.dataDirectory + "/keys.json")
        case .memory: keyManager = InMemoryKeyManager()
        }
        let upstream: (any UpstreamAuthority)?
        var nestedUpstream: SPIREUpstreamAuthority?
        switch configuration.upstreamAuthority {
        case .disk(let certFilePath, let keyFilePath, let bundleFilePath):
            upstream = try DiskUpstreamAuthority(certFilePath: certFilePath, keyFilePath: keyFilePath, bundleFilePath: bundleFilePath)
        case .spire(let serverAddress, let serverPort, let workloadAPISocket):
            let spire = try SPIREUpstreamAuthority(
                trustDomain: configuration.trustDomain, serverAddress: serverAddress, serverPort: serverPort,
                workloadAPISocket: workloadAPISocket, logger: logger)
            upstream = spire
            nestedUpstream = spire
        case .vault(let settings):
            upstream = try VaultUpstreamAuthority(settings: try settings.resolved(environment: ProcessInfo.processInfo.environment))
        case nil:
            upstream = nil
        }
        // Servers sharing a datastore each keep a CA of their own (docs/high-availability.md).
        let journalID = configuration.dataStore.isShared
            ? "server/" + (try ServerInstanceID.loadOrCreate(dataDirectory: configuration.dataDirectory)) : CAManager.journalID
        let core = try await Self.makeCore(
            configuration: configuration, store: store, keyManager: keyManager, upstream: upstream, waitsForUpstream: nestedUpstream != nil,
            journalID: journalID, logger: logger, now: now)
        let ca = core.ca

        try UnixSocketPath.prepare(configuration.socketPath)
        // Our own Unix transport, as the agent's Workload API: every call knows its caller's uid/pid (logged with
        // each admin action). The directory (0700) is what keeps other users out.
        var adminTransport = UnixServerTransport.Configuration(socketPath: configuration.socketPath)
        adminTransport.socketMode = 0o770
        adminTransport.maxRequestMessageBytes = AdminAPIService.maximumRequestBytes
        let startedAt = ContinuousClock.now
        let serverSVID = try ServerSVIDSource(issuer: core.issuer, logger: logger)
        let attestors = try AgentAPIServer.attestors(core: core, configuration: configuration)
        let refresher = core.federatedBundleRefresher(configuration: configuration.federation)
        let spire = core.spireServices(attestors: attestors, svidChain: { serverSVID.svid.certificates }, startedAt: startedAt, refresher: refresher)
        let admin = GRPCServer(
            transport: UnixServerTransport(configuration: adminTransport, logger: logger),
            services: [core.adminAPIService(), SPIRELoggerService(control: logLevelControl, logger: logger)] + spire,
            interceptors: (telemetry?.interceptors ?? []) + [AuditInterceptor(audit: core.audit), SPIRELocalAuthorizationInterceptor()]
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: GRPCServerService(server: admin), serviceName: "admin-api"),
            .init(service: CARotationService(ca: ca, changes: core.index, logger: logger, now: now), serviceName: "ca-rotation"),
            .init(service: EntryIndexService(index: core.index), serviceName: "entry-index"),
            .init(service: PruningService(
                entries: core.store, joinTokens: core.store, nodes: core.store, changes: core.index,
                earliestEntryExpiry: { [index = core.index] in index.earliestEntryExpiry }, expiringEntryChanged: core.index.expiringEntryChanged,
                nodesExpiredFor: configuration.pruneAttestedNodesExpiredFor, includeNonReattestable: configuration.pruneTOFUNodes,
                logger: logger, now: now), serviceName: "pruning"),
            .init(service: refresher, serviceName: "federation"),
        ]
        if let nestedUpstream {
            services.append(.init(service: UpstreamBundlePoller(upstream: nestedUpstream, ca: ca, changes: core.index, logger: logger), serviceName: "upstream-bundle"))
        }
        if let postgres = datastore.postgres {
            services.append(.init(service: ChangeNotificationService(store: postgres, index: core.index), serviceName: "change-notifications"))
        }
        services += try AgentAPIServer.services(
            core: core, configuration: configuration, source: serverSVID, attestors: attestors, spire: spire,
            interceptors: telemetry?.interceptors ?? [])
        if let telemetry, telemetry.hasSinks {
            services.append(.init(service: telemetry, serviceName: "telemetry"))
            services.append(.init(service: ServerGauges(index: core.index, agents: core.agentAuthentication), serviceName: "gauges"))
        }
        if let endpoint = configuration.federation.bundleEndpoint {
            services += try BundleEndpointServer.services(configuration: endpoint, serverSVID: serverSVID, bundle: { ca.bundle }, logger: logger)
        }
        if let notifier = configuration.k8sBundleNotifier {
            let endpoint: KubernetesEndpoint
            do throws(KubernetesError) {
                endpoint = try .fromKubeConfigOrInCluster(notifier.kubeConfigFilePath, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ServerStartError(message: "Notifier \"k8sbundle\": \(error.message)")
            }
            services.append(.init(
                service: K8sBundleNotifier(settings: notifier, apiServer: KubernetesAPIServer(endpoint: endpoint), bundles: { ca.bundleUpdates() }, logger: logger),
                serviceName: "k8sbundle"))
        }
        if configuration.healthChecks.listenerEnabled {
            services.append(.init(
                service: HealthListenerService(configuration: configuration.healthChecks, reporter: ServerHealthReporter(core: core), logger: logger),
                serviceName: "health"))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        logger.info("server starting", metadata: [
            "trust_domain": "\(configuration.trustDomain)",
            "admin_socket": "\(configuration.socketPath)",
            "agent_api": "\(configuration.bindAddress):\(configuration.bindPort)",
            "data_dir": "\(configuration.dataDirectory)",
        ])
        // SPIRE logs this once per listener; its suites wait for both lines.
        logger.info("Starting Server APIs", metadata: ["address": "\(configuration.bindAddress):\(configuration.bindPort)", "network": "tcp"])
        logger.info("Starting Server APIs", metadata: ["address": "\(configuration.socketPath)", "network": "unix"])
        try await group.run()
        logger.info("server stopped")
    }

    /// ``ServerCore/make``; a nested server whose CA journal holds no usable authority cannot make one before the
    /// upstream answers (its local agent may start after it, as pods do), so it waits, saying why. One with a usable
    /// CA starts at once, upstream or not; its rotations retry until the upstream is back.
    private static func makeCore(
        configuration: ServerConfiguration, store: any Datastore & ChangeLogStore & CAJournalStore, keyManager: any KeyManager,
        upstream: (any UpstreamAuthority)?, waitsForUpstream: Bool, journalID: String, logger: Logger, now: @escaping @Sendable () -> Date
    ) async throws -> ServerCore {
        var delay = Duration.milliseconds(500)
        while true {
            do {
                return try await ServerCore.make(
                    configuration: configuration, store: store, keyManager: keyManager, upstream: upstream, journalID: journalID, logger: logger, now: now)
            } catch let error as CAError where waitsForUpstream && error.code == .upstreamAuthority && error.cause is UpstreamUnreachable {
                logger.warning("waiting for the upstream server: no usable CA without it", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
