import EnvoySDSProto
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFEWorkloadAPIProto

/// What `steeple-agent healthcheck` asks the agent: a `FetchX509Bundles` call marked with
/// ``HealthCheckInterceptor/header``, which a healthy agent answers as usual and an unhealthy one refuses with
/// `Unavailable` and the reason. An agent serving Envoy SDS only (`disable_workload_api`) answers that with
/// `Unimplemented`; it is then asked the same through SDS (`FetchSecrets` of the bundle, which any caller may have).
package enum AgentHealthProbe {
    package enum Outcome: Sendable, Equatable {
        /// The agent answered with bundles.
        case healthy
        /// The agent answered and is healthy, but this caller has no identity (`PermissionDenied`).
        case healthyWithoutIdentity
        /// The agent said it cannot serve valid SVIDs, and why.
        case unhealthy(String)
        /// The agent did not answer (not running, socket missing, timed out).
        case unreachable(String)
    }

    package static func check(socketPath: String, timeout: Duration) async -> Outcome {
        do {
            let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
            return try await withGRPCClient(transport: transport) { grpc in
                let client = WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: grpc)
                var options = CallOptions.defaults
                options.timeout = timeout
                let metadata: Metadata = ["workload.spiffe.io": "true", "\(HealthCheckInterceptor.header)": "true"]
                do {
                    return try await client.fetchX509Bundles(request: ClientRequest(message: WorkloadAPI_X509BundlesRequest(), metadata: metadata), options: options) { response in
                        for try await _ in response.messages { return .healthy }
                        return .unreachable("the agent ended the stream without a message")
                    }
                } catch let error as RPCError where error.code == .unimplemented {
                    return try await checkSDS(grpc, metadata: metadata, options: options)
                } catch let error as RPCError {
                    switch error.code {
                    case .permissionDenied: return .healthyWithoutIdentity
                    case .unavailable where error.message.hasPrefix("agent is unhealthy: "):
                        return .unhealthy(String(error.message.dropFirst("agent is unhealthy: ".count)))
                    default:
                        return .unreachable("\(error.code): \(error.message)")
                    }
                }
            }
        } catch {
            return .unreachable("\(error)")
        }
    }

    /// The same question through Envoy SDS: `FetchSecrets` of this trust domain's bundle (the `ROOTCA` name may be
    /// configured otherwise, so the request names nothing: every bundle and SVID the caller may have).
    private static func checkSDS(_ grpc: GRPCClient<HTTP2ClientTransport.Posix>, metadata: Metadata, options: CallOptions) async throws -> Outcome {
        let client = Envoy_Service_Secret_V3_SecretDiscoveryService.Client(wrapping: grpc)
        do {
            let response = try await client.fetchSecrets(Envoy_Service_Discovery_V3_DiscoveryRequest(), metadata: metadata, options: options)
            return response.resources.isEmpty ? .unreachable("the agent answered Envoy SDS with no secrets") : .healthy
        } catch let error as RPCError {
            if error.code == .unavailable, error.message.hasPrefix("agent is unhealthy: ") {
                return .unhealthy(String(error.message.dropFirst("agent is unhealthy: ".count)))
            }
            return .unreachable("\(error.code): \(error.message)")
        }
    }
}
