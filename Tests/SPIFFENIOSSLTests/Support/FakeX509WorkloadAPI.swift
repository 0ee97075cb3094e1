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
final class FakeX509WorkloadAPI: WorkloadAPI_SpiffeWorkloadAPI.SimpleServiceProtocol, Sendable {
    private struct State {
        var current: WorkloadAPI_X509SVIDResponse?
        var streams: [Int: AsyncStream<WorkloadAPI_X509SVIDResponse>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())
    let path = "/tmp/steeple-niossl-test-\(UInt32.random(in: 0...UInt32.max)).sock"
    var endpoint: WorkloadAPIEndpoint { try! WorkloadAPIEndpoint("unix://" + path) }

    /// Serves `svid` (with `bundle`) from now on.
    func set(_ svid: X509SVID, bundle: X509Bundle) {
        var item = WorkloadAPI_X509SVID()
        item.spiffeID = svid.id.string
        item.x509Svid = Data(svid.chainDER)
        item.x509SvidKey = Data(svid.privateKeyDER)
        item.bundle = Data(bundle.derRepresentation)
        var response = WorkloadAPI_X509SVIDResponse()
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

    func fetchX509SVID(request: WorkloadAPI_X509SVIDRequest, response: RPCWriter<WorkloadAPI_X509SVIDResponse>, context: ServerContext) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: WorkloadAPI_X509SVIDResponse.self)
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

    func fetchX509Bundles(request: WorkloadAPI_X509BundlesRequest, response: RPCWriter<WorkloadAPI_X509BundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchJWTSVID(request: WorkloadAPI_JWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_JWTSVIDResponse {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchJWTBundles(request: WorkloadAPI_JWTBundlesRequest, response: RPCWriter<WorkloadAPI_JWTBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func validateJWTSVID(request: WorkloadAPI_ValidateJWTSVIDRequest, context: ServerContext) async throws -> WorkloadAPI_ValidateJWTSVIDResponse {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchWITSVID(request: WorkloadAPI_WITSVIDRequest, response: RPCWriter<WorkloadAPI_WITSVIDResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }

    func fetchWITBundles(request: WorkloadAPI_WITBundlesRequest, response: RPCWriter<WorkloadAPI_WITBundlesResponse>, context: ServerContext) async throws {
        throw RPCError(code: .unimplemented, message: "")
    }
}
