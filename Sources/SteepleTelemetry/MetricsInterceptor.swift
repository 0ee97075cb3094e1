package import GRPCCore
import SPIREAPIProto
import Synchronization

/// SPIRE's RPC metrics middleware as a gRPC interceptor: every call, unary or streaming, ends with a call counter
/// `rpc.<service>.<method>` (``RPCMetricNames``) and its `elapsed_time`, labelled with the final status.
///
/// A streaming call counts when its stream ends, as in SPIRE; a call the handler refused before streaming counts with
/// the refusal's code.
///
/// Add it only when a sink is configured (``Telemetry/interceptors``): without one it would only cost time.
package struct MetricsInterceptor: ServerInterceptor {
    /// Each method's key, computed once (SPIRE caches its parsed names the same way).
    private let keys = MethodKeys()

    package init() {}

    private final class MethodKeys: Sendable {
        private let cache = Mutex<[String: String]>([:])

        func key(_ method: MethodDescriptor) -> String {
            let full = method.fullyQualifiedMethod
            if let key = cache.withLock({ $0[full] }) { return key }
            let key = RPCMetricNames.key(fullMethod: full).joined(separator: ".")
            cache.withLock { $0[full] = key }
            return key
        }
    }

    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let call = CallCounter(keys.key(context.descriptor))
        var response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            call.done(status: Self.status(of: error))
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await producer(writer)
                    call.done()
                    return trailers
                } catch {
                    call.done(status: Self.status(of: error))
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            call.done(status: error.code.goName)
        }
        return response
    }

    /// The Go name of the status a thrown error ends the call with (`Unknown` for anything but an `RPCError`, as gRPC
    /// sends it; `Canceled` when the caller went away).
    static func status(of error: any Error) -> String {
        if let error = error as? RPCError { return error.code.goName }
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcErrorCode.goName }
        if error is CancellationError { return "Canceled" }
        return "Unknown"
    }
}
