package import GRPCCore
package import NIOCore

/// Reassembles length-prefixed gRPC messages (1-byte compressed flag, 4-byte big-endian length, payload) from
/// DATA frames of any size. A message's length is checked as soon as its prefix arrives, so an oversized message
/// is refused before it is buffered.
package struct MessageDeframer {
    package let maxMessageBytes: Int
    private var buffer: ByteBuffer?

    package init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// True when a partial message is buffered (a stream ending now would truncate it).
    package var hasPartialMessage: Bool {
        (buffer?.readableBytes ?? 0) > 0
    }

    package mutating func append(_ data: ByteBuffer) {
        if buffer == nil || buffer!.readableBytes == 0 {
            buffer = data
        } else {
            var incoming = data
            buffer!.writeBuffer(&incoming)
        }
    }

    /// The next complete message, or nil until more data arrives.
    package mutating func next() throws(RPCError) -> [UInt8]? {
        guard var current = buffer, current.readableBytes >= 5 else { return nil }
        let start = current.readerIndex
        let flag = current.getInteger(at: start, as: UInt8.self)!
        let length = Int(current.getInteger(at: start + 1, endianness: .big, as: UInt32.self)!)
        switch flag {
        case 0: break
        case 1: throw RPCError(code: .unimplemented, message: "compressed messages are not supported (grpc-accept-encoding: identity)")
        default: throw RPCError(code: .internalError, message: "invalid message flag \(flag)")
        }
        guard length <= maxMessageBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "request message of \(length) bytes exceeds the limit of \(maxMessageBytes) bytes")
        }
        guard current.readableBytes >= 5 + length else {
            buffer = nil  // release the reference so the append below can grow the storage in place
            current.reserveCapacity(minimumWritableBytes: 5 + length - current.readableBytes)
            buffer = current
            return nil
        }
        current.moveReaderIndex(forwardBy: 5)
        let message = current.readBytes(length: length)!
        if current.readableBytes == 0 {
            buffer = nil
        } else {
            if current.readerIndex > 65_536 { current.discardReadBytes() }
            buffer = current
        }
        return message
    }
}
