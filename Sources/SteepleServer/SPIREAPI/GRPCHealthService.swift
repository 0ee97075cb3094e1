import GRPCCore
import SPIREAPIProto
import SteepleServerAPIProto

/// gRPC's standard health service (`grpc.health.v1.Health`) on the admin socket, as SPIRE's server serves it: the
/// server as a whole (service name "") is SERVING while its datastore answers and its CA can sign (``Health``),
/// NOT_SERVING otherwise. Other service names are unknown.
struct GRPCHealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let admin: AdminAPIService
    /// How often Watch re-checks.
    var watchInterval: Duration = .seconds(5)

    func check(request: Grpc_Health_V1_HealthCheckRequest, context _: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard request.service.isEmpty else { throw RPCError(code: .notFound, message: "unknown service") }
        return await status()
    }

    func list(request _: Grpc_Health_V1_HealthListRequest, context _: ServerContext) async throws -> Grpc_Health_V1_HealthListResponse {
        var response = Grpc_Health_V1_HealthListResponse()
        response.statuses[""] = await status()
        return response
    }

    /// The status now, then each change, until the caller goes away.
    func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        guard request.service.isEmpty else {
            var unknown = Grpc_Health_V1_HealthCheckResponse()
            unknown.status = .serviceUnknown
            try await response.write(unknown)
            return
        }
        // RPC cancellation is not Task cancellation (docs/swift-notes.md): both end the loop, at once.
        let loop = Task {
            var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
            while !Task.isCancelled {
                let current = await status()
                if current.status != last {
                    try await response.write(current)
                    last = current.status
                }
                try await Task.sleep(for: watchInterval)
            }
        }
        try? await withTaskCancellationHandler {
            try await withRPCCancellationHandler {
                try await loop.value
            } onCancelRPC: {
                loop.cancel()
            }
        } onCancel: {
            loop.cancel()
        }
    }

    private func status() async -> Grpc_Health_V1_HealthCheckResponse {
        let health = await Health.check(bundles: admin.bundles, authority: admin.trustBundle, now: admin.now)
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = health.ready ? .serving : .notServing
        return response
    }
}
