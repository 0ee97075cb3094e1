@testable import GRPCUnixServer
import NIOCore
import NIOEmbedded
import Testing

/// A long run of writes reaches the TLS handler in flushes of about the limit; short runs pass as they were flushed.
@Suite("BoundedFlushHandler")
struct BoundedFlushHandlerTests {
    static func buffer(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: count) }

    @Test("writes beyond the limit are flushed as they reach it; the rest waits for the writer's own flush")
    func flushesAtTheLimit() throws {
        let channel = EmbeddedChannel(handler: BoundedFlushHandler(limit: 8 * 1024))
        defer { _ = try? channel.finish() }
        for _ in 0..<3 { channel.write(Self.buffer(5 * 1024), promise: nil) }
        // The first two writes (10 KiB) crossed the limit and were flushed; the third is still held.
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 5 * 1024)
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 5 * 1024)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.flush()
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 5 * 1024)
    }

    @Test("small writes wait for the flush of whoever wrote them, and the count starts again after it")
    func smallWritesUntouched() throws {
        let channel = EmbeddedChannel(handler: BoundedFlushHandler(limit: 8 * 1024))
        defer { _ = try? channel.finish() }
        channel.write(Self.buffer(6 * 1024), promise: nil)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.flush()
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 6 * 1024)
        channel.write(Self.buffer(6 * 1024), promise: nil)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "the bytes flushed before do not count")
        channel.flush()
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.readableBytes == 6 * 1024)
    }
}
