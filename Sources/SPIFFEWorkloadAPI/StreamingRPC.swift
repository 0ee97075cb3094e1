import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SPIFFE
import SPIFFEWorkloadAPIProto

/// One of the Workload API's server-streaming RPCs, with the parser of its messages.
struct StreamingRPC<Message: Sendable, Value: Sendable>: Sendable {
    typealias Stub = WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>
    typealias Handler = @Sendable (StreamingClientResponse<Message>) async throws -> Void

    /// The method name, for messages.
    let name: String
    /// Starts the RPC and hands its response to the handler; the RPC lasts as long as the handler runs.
    let call: @Sendable (_ handle: @escaping Handler) async throws -> Void
    /// Turns a message into a value, refusing a malformed one.
    let parse: @Sendable (Message) throws(WorkloadAPIError) -> Value

    /// Runs the RPC for a ``SharedStream``: every message, parsed or refused, goes to `deliver` (a malformed
    /// message does not end the stream: the next one may be fine). Returns the error that ended it.
    func runShared(
        logger: Logger,
        deliver: @escaping @Sendable (Result<Value, WorkloadAPIError>) -> Void
    ) async -> WorkloadAPIError {
        let parse = self.parse
        let end: WorkloadAPIError
        do {
            try await call { response in
                for try await message in response.messages {
                    deliver(Result { () throws(WorkloadAPIError) -> Value in try parse(message) })
                }
            }
            end = WorkloadAPIError(code: .streamEnded, message: "the server ended the \(name) stream")
        } catch {
            end = WorkloadAPIError.mapping(error, call: name)
        }
        logger.debug("workload API stream ended", metadata: ["rpc": "\(name)", "error": "\(end)"])
        return end
    }
}

/// The Workload API's server-streaming RPCs.
enum WorkloadAPIRPC {
    static func x509Context(_ stub: WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>) -> StreamingRPC<WorkloadAPI_X509SVIDResponse, X509Context> {
        StreamingRPC<WorkloadAPI_X509SVIDResponse, X509Context>(
            name: "FetchX509SVID",
            call: { handle in try await stub.fetchX509SVID(WorkloadAPI_X509SVIDRequest(), onResponse: handle) },
            parse: { message throws(WorkloadAPIError) in try WorkloadAPIResponseParser.x509Context(message) }
        )
    }

    static func x509Bundles(_ stub: WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>) -> StreamingRPC<WorkloadAPI_X509BundlesResponse, X509BundleSet> {
        StreamingRPC<WorkloadAPI_X509BundlesResponse, X509BundleSet>(
            name: "FetchX509Bundles",
            call: { handle in try await stub.fetchX509Bundles(WorkloadAPI_X509BundlesRequest(), onResponse: handle) },
            parse: { message throws(WorkloadAPIError) in try WorkloadAPIResponseParser.x509Bundles(message) }
        )
    }

    static func jwtBundles(_ stub: WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>) -> StreamingRPC<WorkloadAPI_JWTBundlesResponse, JWTBundleSet> {
        StreamingRPC<WorkloadAPI_JWTBundlesResponse, JWTBundleSet>(
            name: "FetchJWTBundles",
            call: { handle in try await stub.fetchJWTBundles(WorkloadAPI_JWTBundlesRequest(), onResponse: handle) },
            parse: { message throws(WorkloadAPIError) in try WorkloadAPIResponseParser.jwtBundles(message) }
        )
    }
}
