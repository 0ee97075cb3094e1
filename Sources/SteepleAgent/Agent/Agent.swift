import SteepleServerClient
import GRPCCore
public import Logging
import SPIFFE
import ServiceLifecycle
package import SteepleLogging
package import SteepleTelemetry
import UnixSignals

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent process: attests (or re-uses its saved SVID), follows the server's entry stream, keeps X509-SVIDs ready
/// for every authorized entry and serves the Workload API on its Unix socket until SIGINT or SIGTERM.
public struct Agent: Sendable {
    public let configuration: AgentConfiguration
    public let logger: Logger
    /// The process's log level, which the Logger API on the admin socket changes (the handlers must read it: see
    /// ``ProcessLogHandler``).
    let logLevelControl: LogLevelControl

    public init(configuration: AgentConfiguration, logger: Logger) {
        self.init(configuration: configuration, logger: logger, logLevelControl: LogLevelControl(launchLevel: SPIRELogLevel(configuration.logLevel)))
    }

    /// The process's metrics sinks (`telemetry { … }`), started by the executable, which owns the process-wide factory.
    let telemetry: Telemetry?

    package init(configuration: AgentConfiguration, logger: Logger, logLevelControl: LogLevelControl, telemetry: Telemetry? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.logLevelControl = logLevelControl
        self.telemetry = telemetry
    }

    public func run() async throws {
        let reporter = AgentHealthReporter()
        guard configuration.healthChecks.listenerEnabled else {
            try await run(reporter: reporter)
            return
        }
        // Bound before anything else, so that a port already taken stops the agent before it spends its join token;
        // served from then on, so that /live answers during attestation too.
        let listener = try await HealthListener.bind(configuration.healthChecks, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.serve(reporter) }
            group.addTask { try await run(reporter: reporter) }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// The agent itself; `reporter` learns when it serves and when it stops.
    private func run(reporter: AgentHealthReporter) async throws {
        let startedAt = ContinuousClock.now
        let openFiles = FileDescriptorLimit.raiseToHardLimit()
        let trustDomain = configuration.trustDomain
        let state = AgentStateStore(directory: configuration.dataDirectory, trustDomain: trustDomain, persistKey: configuration.keyManager == .disk)
        do {
            try state.prepareDirectory()
        } catch {
            throw AgentError(.startFailed, "data_dir \(configuration.dataDirectory) cannot be created: \(error)")
        }
        let connection = ServerConnection(host: configuration.serverAddress, port: configuration.serverPort, trustDomain: trustDomain)
        // How to check the server before the agent has a bundle from it: the saved bundle, else the configured source.
        let bootstrapTrust: ServerTrust = if let saved = try? state.loadBundle() {
            .bundle(saved)
        } else {
            try await BootstrapBundle(configuration: configuration, environment: ProcessInfo.processInfo.environment, logger: logger).trust()
        }
        let attestation = NodeAttestationClient(connection: connection, attestor: configuration.nodeAttestor, joinToken: configuration.joinToken)

        var savedBundle = try? state.loadBundle()
        let identity: AgentIdentity
        if let saved = try? state.loadIdentity(), saved.expiresAt > Date() {
            identity = saved
            logger.info("re-using the saved agent SVID", metadata: ["spiffe_id": "\(saved.id)", "expires_at": "\(saved.expiresAt)"])
        } else {
            // SPIRE's messages, which its suites and operators' scripts grep for.
            logger.info("SVID is not found. Starting node attestation")
            let (attested, bundle) = try await attestation.attest(trust: bootstrapTrust)
            try state.saveIdentity(attested)
            try state.saveBundle(bundle)
            savedBundle = bundle
            identity = attested
            logger.info("Node attestation was successful", metadata: ["spiffe_id": "\(attested.id)", "expires_at": "\(attested.expiresAt)"])
        }

        let cache = WorkloadCache(trustDomain: trustDomain, x509SVIDLimit: configuration.x509SVIDCacheMaxSize)
        if let savedBundle { cache.setBundles(savedBundle, federated: nil) }
        let holder = AgentIdentityHolder(identity)
        let session = ServerSession()
        let health = AgentHealth(identity: holder, changes: cache.changes)
        reporter.running(health: health, cache: cache)
        let reattest: (@Sendable () async throws -> AgentIdentity)?
        if configuration.nodeAttestor.canReattest {
            reattest = { [cache, state] in
                let trust: ServerTrust = cache.read { $0.bundle }.map { .bundle($0) } ?? bootstrapTrust
                let (attested, bundle) = try await attestation.attest(trust: trust)
                try state.saveIdentity(attested)
                try state.saveBundle(bundle)
                cache.setBundles(bundle, federated: nil)
                return attested
            }
        } else {
            reattest = nil
        }
        let jwtCache = JWTSVIDCache(maxSize: configuration.jwtSVIDCacheMaxSize)
        let link = ServerLink(
            connection: connection, holder: holder, cache: cache, session: session, health: health, state: state,
            sync: EntrySync(cache: cache, jwtCache: jwtCache, state: state, logger: logger),
            renewer: AgentSVIDRenewer(holder: holder, state: state, trustDomain: trustDomain, logger: logger),
            bootstrapTrust: bootstrapTrust, reattest: reattest, logger: logger)
        let rotator = SVIDRotator(cache: cache, session: session, health: health, logger: logger)
        let workloadAttestor = WorkloadAttestor(
            unix: configuration.unixWorkloadAttestor
                ? UnixWorkloadAttestor(discoverWorkloadPath: configuration.discoverWorkloadPath, workloadSizeLimit: configuration.workloadSizeLimit) : nil,
            k8s: try configuration.k8sWorkloadAttestor.map { settings in
                K8sWorkloadAttestor(
                    settings: settings, kubelet: try settings.kubeletEndpoint(),
                    apiServer: settings.enableNamespaceLabels ? try Self.namespaceLabelsEndpoint() : nil, logger: logger)
            },
            docker: configuration.dockerWorkloadAttestor.map { DockerWorkloadAttestor(socketPath: $0.socketPath, apiVersion: $0.apiVersion) })
        var workload = WorkloadAPIService(
            cache: cache, jwtCache: jwtCache, session: session, health: health,
            attestor: workloadAttestor,
            caller: WorkloadEndpoint.caller(of:), logger: logger)
        workload.allowUnauthenticatedVerifiers = configuration.allowUnauthenticatedVerifiers
        let sds = SecretDiscoveryService(
            cache: cache, health: health,
            attestation: WorkloadCallerAttestation(attestor: workload.attestor, caller: workload.caller, logger: logger),
            configuration: configuration.sds, logger: logger)
        var publicServices: [any RegistrableRPCService & Sendable] = []
        if !configuration.disableWorkloadAPI { publicServices.append(workload) }
        if !configuration.disableSDSAPI { publicServices.append(sds) }
        let metrics = telemetry?.interceptors ?? []
        let endpoint = WorkloadEndpoint(socketPath: configuration.socketPath, services: publicServices, interceptors: metrics, health: health, logger: logger)
        let admin = configuration.adminSocketPath.map { path in
            AdminEndpoint(socketPath: path, services: [
                DelegatedIdentityService(
                    cache: cache, health: health, minter: JWTSVIDMinter(cache: jwtCache, session: session, health: health),
                    authorization: DelegateAuthorization(
                        cache: cache, attestation: WorkloadCallerAttestation(attestor: workload.attestor, caller: WorkloadEndpoint.caller(of:), logger: logger),
                        authorizedDelegates: Set(configuration.authorizedDelegates),
                        attestPID: { [attestor = workload.attestor] pid in try await attestor.selectors(for: ProcessCredentials.caller(pid: pid)) },
                        logger: logger),
                    logger: logger),
                AgentDebugService(identity: holder, cache: cache, jwtCache: jwtCache, startedAt: startedAt),
                AgentExplainService(cache: cache, health: health) { [attestor = workload.attestor] pid in
                    let caller = try ProcessCredentials.caller(pid: pid)
                    return (caller, try await attestor.selectors(for: caller))
                },
                AgentLoggerService(control: logLevelControl, logger: logger),
            ], interceptors: metrics, logger: logger)
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: AgentTaskService(outlivesBody: true) { await link.run() }, serviceName: "server-link"),
            .init(service: AgentTaskService { await rotator.run() }, serviceName: "svid-rotator"),
            .init(service: AgentTaskService(outlivesBody: true) { await HeapTrimmer().run() }, serviceName: "heap-trimmer"),
        ]
        if !publicServices.isEmpty {
            services.append(.init(service: AgentTaskService { try await endpoint.serve() }, serviceName: "workload-api"))
        }
        if let admin {
            services.append(.init(service: AgentTaskService(outlivesBody: true) { await admin.serveOrLog() }, serviceName: "admin-api"))
        }
        if let telemetry, telemetry.hasSinks {
            services.append(.init(service: telemetry, serviceName: "telemetry"))
            services.append(.init(service: AgentTaskService { await AgentGauges(cache: cache, jwtCache: jwtCache).run() }, serviceName: "gauges"))
        }
        // Last, so that it hears of a graceful shutdown first (the health listener's /live and /ready then say so).
        services.append(.init(service: ShutdownNotice { reporter.stopping() }, serviceName: "shutdown-notice"))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("agent starting", metadata: [
            "trust_domain": "\(trustDomain)",
            "spiffe_id": "\(identity.id)",
            "server": "\(configuration.serverAddress):\(configuration.serverPort)",
            "socket_path": "\(configuration.socketPath)",
            "data_dir": "\(configuration.dataDirectory)",
            "open_files_limit": "\(openFiles.map(String.init) ?? "unknown")",
        ])
        if publicServices.isEmpty {
            // SPIRE's rule: with both APIs off the socket is not opened.
            logger.info("disable_workload_api and disable_sds_api are both set: the public socket is not opened", metadata: ["socket_path": "\(configuration.socketPath)"])
        } else {
            // SPIRE's message, which its suites wait for.
            logger.info("Starting agent APIs", metadata: [
                "address": "\(configuration.socketPath)", "network": "unix",
                "workload_api": "\(!configuration.disableWorkloadAPI)", "sds": "\(!configuration.disableSDSAPI)",
            ])
        }
        try await group.run()
        logger.info("agent stopped")
    }
}
