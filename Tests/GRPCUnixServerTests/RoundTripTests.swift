import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Testing

@Suite("UnixServerTransport round trips")
struct RoundTripTests {
    @Test("unary round trip carries metadata both ways, binary values included")
    func unaryWithMetadata() async throws {
        try await withEchoServer { client, recorder, _ in
            var metadata: Metadata = ["x-echo": "hello", "workload.spiffe.io": "true"]
            metadata.addBinary([0, 1, 2, 0xFF, 0xFE], forKey: "x-data-bin")
            let response = try await client.echo(Array("ping".utf8), metadata: metadata)
            #expect(try response.message == Array("ping".utf8))
            #expect(Array(response.metadata[stringValues: "x-echo-back"]) == ["hello"])
            #expect(Array(response.metadata[binaryValues: "x-data-back-bin"]) == [[0, 1, 2, 0xFF, 0xFE]])
            #expect(Array(response.trailingMetadata[stringValues: "x-trailer"]) == ["done ✓ 100%"])

            let call = try #require(recorder.calls.first)
            #expect(call.method == "Unary")
            #expect(Array(call.metadata[stringValues: "workload.spiffe.io"]) == ["true"])
            #expect(Array(call.metadata[binaryValues: "x-data-bin"]) == [[0, 1, 2, 0xFF, 0xFE]])
            #expect(call.metadata[stringValues: "content-type"].first(where: { _ in true }) == nil)
            #expect(call.metadata[stringValues: "te"].first(where: { _ in true }) == nil)
        }
    }

    @Test("a 1 MiB message is reassembled from many DATA frames, both ways")
    func largeMessage() async throws {
        try await withEchoServer { client, _, _ in
            let message = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            let response = try await client.echo(message)
            #expect(try response.message == message)
        }
    }

    @Test("a request larger than maxRequestMessageBytes fails with resourceExhausted")
    func tooLarge() async throws {
        try await withEchoServer(configure: { $0.maxRequestMessageBytes = 1024 }) { client, _, _ in
            let exactly = try await client.echo([UInt8](repeating: 7, count: 1024))
            #expect(try exactly.message.count == 1024)
            await #expect {
                _ = try await client.echo([UInt8](repeating: 7, count: 2048)).message
            } throws: { error in
                (error as? RPCError)?.code == .resourceExhausted
            }
            // The connection is still usable.
            #expect(try await client.echo([1]).message == [1])
        }
    }

    @Test("an unknown method is answered unimplemented by GRPCCore")
    func unknownMethod() async throws {
        try await withEchoServer { client, _, _ in
            await #expect {
                try await client.unary(
                    request: ClientRequest(message: [UInt8]()),
                    descriptor: MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Nope"),
                    serializer: BytesCoder(), deserializer: BytesCoder(), options: .defaults
                ) { try $0.message }
            } throws: { error in
                (error as? RPCError)?.code == .unimplemented
            }
        }
    }

    @Test("an error status arrives Trailers-Only with its percent-encoded message and metadata intact")
    func errorStatus() async throws {
        try await withEchoServer { client, _, _ in
            let response = try await client.unary(
                request: ClientRequest(message: [UInt8]()), descriptor: EchoService.fail,
                serializer: BytesCoder(), deserializer: BytesCoder(), options: .defaults
            ) { $0 }
            let error = try #require(response.accepted.failure)
            #expect(error.code == .permissionDenied)
            #expect(error.message == EchoService.failureMessage)
            #expect(Array(error.metadata[stringValues: "x-why"]) == ["test"])
        }
    }

    @Test("many concurrent unary calls on one connection")
    func concurrentCalls() async throws {
        try await withEchoServer { client, recorder, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let message = [UInt8(index % 256), UInt8(index / 256)]
                        let echoed = try await client.echo(message).message
                        #expect(echoed == message)
                    }
                }
                try await group.waitForAll()
            }
            #expect(recorder.connections == 1)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
