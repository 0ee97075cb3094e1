import GRPCCore
import SteepleKubernetes
import GRPCUnixServer
import Logging
import NIOCertificateReloading
import NIOCore
import NIOSSL
import SPIFFE
import SPIFFECA
import SteepleServerAPIProto
import ServiceLifecycle
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the agent API listener: gRPC over TCP with TLS, presenting the server's SVID. A client certificate is asked
/// for but optional (``TLSServerTransport``): SPIRE's agents attest with none, Steeple's with a throwaway self-signed
/// one, since neither has an SVID yet; every call but `AttestAgent` then authenticates the presented chain as an agent
/// SVID against the current bundle (``AgentAuthenticator``), which also follows CA rotation without touching the
/// listener.
enum AgentAPIServer {
    /// The node attestors the server enables: `join_token` always, as SPIRE's server does, and `x509pop` when
    /// configured.
    static func attestors(core: ServerCore, configuration: ServerConfiguration) throws -> [String: any NodeAttestor] {
        var attestors: [String: any NodeAttestor] = [:]
        // Join tokens are always accepted, with or without `NodeAttestor "join_token"`, as SPIRE's server does.
        attestors["join_token"] = JoinTokenAttestor(trustDomain: core.trustDomain, store: core.store, now: core.now)
        if let x509pop = configuration.nodeAttestors.x509pop {
            var roots: [Certificate] = []
            for path in x509pop.caBundlePaths {
                guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ServerStartError(message: "x509pop ca_bundle_path \(path) cannot be read")
                }
                do {
                    roots += try X509Bundle(trustDomain: core.trustDomain, pem: pem).x509Authorities
                } catch {
                    throw ServerStartError(message: "x509pop ca_bundle_path \(path): \(error.message)")
                }
            }
            attestors["x509pop"] = X509PoPAttestor(
                trustDomain: core.trustDomain, roots: roots, pathTemplate: x509pop.agentPathTemplate,
                maxIntermediates: x509pop.maxIntermediates, maxRSAKeySize: x509pop.maxRSAKeySize, now: core.now)
        }
        if let psat = configuration.nodeAttestors.k8sPSAT {
            var clusters: [String: K8sPSATAttestor.Cluster] = [:]
            for (name, settings) in psat {
                let endpoint: KubernetesEndpoint
                do throws(KubernetesError) {
                    endpoint = try .fromKubeConfigOrInCluster(settings.kubeConfigFile, environment: ProcessInfo.processInfo.environment)
                } catch {
                    throw ServerStartError(message: "k8s_psat cluster \"\(name)\": \(error.message)")
                }
                clusters[name] = K8sPSATAttestor.Cluster(settings: settings, apiServer: KubernetesAPIServer(endpoint: endpoint))
            }
            if clusters.isEmpty {
                core.logger.info("No clusters configured, PSAT attestation is effectively disabled", metadata: ["plugin_name": "k8s_psat"])
            }
            attestors["k8s_psat"] = K8sPSATAttestor(trustDomain: core.trustDomain, clusters: clusters)
        }
        attestors.merge(try CloudNodeAttestors.make(core: core, configuration: configuration)) { _, cloud in cloud }
        return attestors
    }

    /// The agent port: Steeple's agent API and SPIRE's server API (`spire`) over TLS with the server's SVID.
    static func services(
        core: ServerCore,
        configuration: ServerConfiguration,
        source: ServerSVIDSource,
        attestors: [String: any NodeAttestor],
        spire: [any RegistrableRPCService],
        interceptors telemetry: [any ServerInterceptor] = []
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var transport = TLSServerTransport.Configuration(
            host: configuration.bindAddress,
            port: configuration.bindPort,
            tls: try TLSConfiguration.makeServerConfiguration(certificateReloader: source))
        // Agents hold a sync stream open, so none of these limits touches a healthy agent.
        transport.idleTimeout = .seconds(300)
        transport.handshakeTimeout = .seconds(10)
        let server = GRPCServer(
            transport: TLSServerTransport(configuration: transport, logger: core.logger),
            services: [core.agentAPIService(attestors: attestors)] + spire,
            interceptors: telemetry + [
                AuditInterceptor(audit: core.audit),
                AgentAuthenticationInterceptor(authenticator: core.agentAuthenticator(cache: core.agentAuthentication)),
                SPIRERemoteAuthorizationInterceptor(
                    trustDomain: core.trustDomain,
                    authenticator: core.agentAuthenticator(cache: core.agentAuthentication),
                    callers: SPIRERemoteCallerAuthenticator(
                        trustBundle: core.ca, entries: core.store, bundles: core.store, adminIDs: Set(configuration.adminIDs),
                        rejections: core.rejections, now: core.now)),
            ]
        )
        return [
            .init(service: GRPCServerService(server: server), serviceName: "agent-api"),
            .init(
                service: ServerSVIDRotationService(
                    source: source,
                    activeAuthority: { [ca = core.ca] in ca.certificateAuthority.x509Authority.certificate.subject },
                    now: core.now,
                    logger: core.logger
                ),
                serviceName: "server-svid"
            ),
        ]
    }
}

/// A start-up failure that names the setting at fault.
struct ServerStartError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

