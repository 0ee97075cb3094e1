import GRPCCore
import GRPCNIOTransportHTTP2
import Logging

/// TEMPORARY: stock transport, no caller credentials (replaced by the Unix transport with peer credentials).
struct WorkloadEndpoint: Sendable {
    let socketPath: String
    let service: WorkloadAPIService
    let logger: Logger

    static func caller(of context: ServerContext) -> WorkloadCaller? { nil }

    func serve() async throws {
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext),
            services: [service], interceptors: [SecurityHeaderInterceptor()])
        try await server.serve()
    }
}
