import GRPCCore

/// `[UInt8]` pass-through coding for the transport benchmarks' hand-written service.
struct BenchBytesCoder: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}

/// `bench.Echo/Unary` echoes; `bench.Echo/Hold` sends one message and holds the stream until the RPC is
/// cancelled, like a Workload API FetchX509SVID stream.
struct BenchEchoService: RegistrableRPCService {
    static let unary = MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Unary")
    static let hold = MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Hold")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: Self.unary, deserializer: BenchBytesCoder(), serializer: BenchBytesCoder()) { request, _ in
            var body: [UInt8] = []
            for try await message in request.messages { body += message }
            let response = body
            return StreamingServerResponse { writer in
                try await writer.write(response)
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.hold, deserializer: BenchBytesCoder(), serializer: BenchBytesCoder()) { _, context in
            StreamingServerResponse { writer in
                try await writer.write([1, 2, 3])
                try? await context.cancellation.cancelled
                return [:]
            }
        }
    }
}
