import GRPCCore
import GRPCUnixServer
import Synchronization

/// `[UInt8]` in, `[UInt8]` out: the test service needs no protobuf.
struct BytesCoder: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}

/// What the test service saw, for assertions.
final class Recorder: Sendable {
    struct Call: Sendable {
        var method: String
        var metadata: Metadata
        var remotePeer: String
        var peer: UnixPeer?
        var tlsPeer: TLSPeer?
    }

    private let state = Mutex<(calls: [Call], cancelled: Int, processes: [ObjectIdentifier: UnixPeerProcess])>(([], 0, [:]))

    func record(_ metadata: Metadata, _ context: ServerContext) {
        let call = Call(method: context.descriptor.method, metadata: metadata, remotePeer: context.remotePeer, peer: context.unixPeer, tlsPeer: context.tlsPeer)
        state.withLock { state in
            state.calls.append(call)
            // Every connection has its own UnixPeerProcess; holding them keeps their identities unique.
            if let process = call.peer?.process { state.processes[ObjectIdentifier(process)] = process }
        }
    }

    func recordCancellation() { state.withLock { $0.cancelled += 1 } }

    private let outcomes = Mutex<[String]>([])
    func recordInboundOutcome(_ outcome: String) { outcomes.withLock { $0.append(outcome) } }
    /// How request streams ended, as seen by handlers reading them to the end.
    var inboundOutcomes: [String] { outcomes.withLock { $0 } }

    var calls: [Call] { state.withLock { $0.calls } }
    var cancelled: Int { state.withLock { $0.cancelled } }
    /// How many distinct connections made calls (counted through their pidfd objects).
    var connections: Int { state.withLock { $0.processes.count } }

    /// Polls until `condition` holds or `timeout` passes.
    func wait(timeout: Duration = .seconds(10), until condition: (Recorder) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }
}

/// `test.Echo`: `Unary` echoes the request (and `x-echo` metadata, as `x-echo-back` and in the trailers);
/// `Hold` sends the request back once, then holds the stream until the RPC is cancelled.
struct EchoService: RegistrableRPCService {
    static let unary = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Unary")
    static let hold = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Hold")
    static let collect = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Collect")
    static let fail = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Fail")
    /// The status message `Fail` answers with: needs percent-encoding on the wire.
    static let failureMessage = "refused: 100% ✓\nsecond line"

    let recorder: Recorder

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let recorder = self.recorder
        router.registerHandler(forMethod: Self.unary, deserializer: BytesCoder(), serializer: BytesCoder()) { request, context in
            recorder.record(request.metadata, context)
            var body: [UInt8] = []
            for try await message in request.messages { body += message }
            var metadata = Metadata()
            for value in request.metadata[stringValues: "x-echo"] { metadata.addString(value, forKey: "x-echo-back") }
            for value in request.metadata[binaryValues: "x-data-bin"] { metadata.addBinary(value, forKey: "x-data-back-bin") }
            let response = body
            return StreamingServerResponse(metadata: metadata) { writer in
                try await writer.write(response)
                return ["x-trailer": "done ✓ 100%"]
            }
        }
        router.registerHandler(forMethod: Self.collect, deserializer: BytesCoder(), serializer: BytesCoder()) { request, context in
            recorder.record(request.metadata, context)
            do {
                var count = 0
                for try await _ in request.messages { count += 1 }
                recorder.recordInboundOutcome("ended after \(count)")
            } catch {
                recorder.recordInboundOutcome("threw \((error as? RPCError)?.code.description ?? "\(error)")")
                throw error
            }
            return StreamingServerResponse { _ in [:] }
        }
        router.registerHandler(forMethod: Self.fail, deserializer: BytesCoder(), serializer: BytesCoder()) { _, _ in
            StreamingServerResponse(error: RPCError(code: .permissionDenied, message: Self.failureMessage, metadata: ["x-why": "test"]))
        }
        router.registerHandler(forMethod: Self.hold, deserializer: BytesCoder(), serializer: BytesCoder()) { request, context in
            recorder.record(request.metadata, context)
            var first: [UInt8] = []
            for try await message in request.messages {
                first = message
                break
            }
            let echo = first
            return StreamingServerResponse { writer in
                try await writer.write(echo)
                // Held open until the client goes away (SWIFT-NOTES §6 trap 1: not Task cancellation).
                try? await context.cancellation.cancelled
                recorder.recordCancellation()
                return [:]
            }
        }
    }
}
