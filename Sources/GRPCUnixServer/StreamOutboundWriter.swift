import GRPCCore
import NIOCore

/// The RPC's response writer: hands parts to the stream's `NIOAsyncChannel`, whose writes suspend while the
/// HTTP/2 stream is not writable (flow control), so a slow client back-pressures the handler instead of
/// growing a buffer.
struct StreamOutboundWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCResponsePart<[UInt8]>

    let writer: NIOAsyncChannelOutboundWriter<RPCResponsePart<[UInt8]>>
    let channel: any Channel

    func write(_ element: Element) async throws {
        try await writer.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        try await writer.write(contentsOf: elements)
    }

    func finish() async {
        writer.finish()
    }

    /// A failed response stream is reset (RST_STREAM) rather than ended with a status.
    func finish(throwing error: any Error) async {
        writer.finish()
        channel.close(promise: nil)
    }
}
