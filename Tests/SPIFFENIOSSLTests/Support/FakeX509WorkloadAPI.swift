import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFE
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPIProto
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Workload API that serves only FetchX509SVID: the SVID a test sets, pushed to open streams when it changes
/// (a cut-down copy of SPIFFEWorkloadAPITests' fake).
final class FakeX509WorkloadAPI: SpiffeWorkloadAPI.SimpleServiceProtocol, Sendable {
    private struct State {
        var current: X509SVIDResponse?
        var streams: [Int: AsyncStream<X509SVIDResponse>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())
    let path = "/tmp/steeple-niossl-test-\(UInt32.random(in: 0...UInt32.max)).sock"
    var endpoint: WorkloadAPIEndpoint { try! WorkloadAPIEndpoint("unix://" + path) }

    /// Serves `svid` (with `bundle`) from now on.
    func set(_ svid: SPIFFE.X509SVID, bundle: X509Bundle) {
        var item = SPIFFEWorkloadAPIProto.X509SVID()
        item.spiffeID = svid.id.string
        item.x509Svid = Data(svid.chainDER)
        item.x509SvidKey = Data(svid.privateKeyDER)
        item.bundle = Data(bundle.derRepresentation)
        var response = X509SVIDResponse()
        response.svids = [item]
        let streams = state.withLock { state in
            state.current = response
            return Array(state.streams.values)
        }
        for stream in streams { stream.yield(response) }
    }

    /// Serves on a Unix socket until the calling task is cancelled; `listening` runs once the socket listens.
    func serve(listening: @Sendable () -> Void) async throws {
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [self])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            _ = try await transport.listeningAddress
            listening()
        }
    }

    func fetchX509SVID(request: X509SVIDRequest, response: RPCWriter<X509SVIDResponse>, context: ServerContext) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: X509SVIDResponse.self)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.streams[state.nextID] = continuation
            if let current = state.current { continuation.yield(current) }
            return state.nextID
        }
        defer { _ = state.withLock { $0.streams.removeValue(forKey: id) } }
        try await withRPCCancellationHandler {
            for await message in stream { try await response.write(message) }
        } onCancelRPC: {
            continuation.finish()
        }
    }

    func fetchX509Bundles(request: X509BundlesRequest, response: RPCWriter<X509BundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchJWTSVID(request: JWTSVIDRequest, context: ServerContext) async throws -> JWTSVIDResponse {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchJWTBundles(request: JWTBundlesRequest, response: RPCWriter<JWTBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func validateJWTSVID(request: ValidateJWTSVIDRequest, context: ServerContext) async throws -> ValidateJWTSVIDResponse {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchWITSVID(request: WITSVIDRequest, response: RPCWriter<WITSVIDResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchWITBundles(request: WITBundlesRequest, response: RPCWriter<WITBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }
}
