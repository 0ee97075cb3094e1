import GRPCCore
import GRPCUnixServer
import NIOCore
import NIOHPACK

/// The Workload API socket's own gRPC-over-HTTP/2 layer (GRPCUnixServer): message reassembly from DATA frames and
/// request HEADERS validation. (HTTP/2 framing and HPACK themselves are swift-nio-http2's.)
enum GRPCFramingTargets {
    /// Input: a cap byte, then chunks, each a length-prefixed DATA frame payload.
    static let deframer = FuzzTarget(
        name: "grpc-deframer",
        summary: "MessageDeframer: length-prefixed gRPC messages reassembled from DATA payloads split anywhere, with a size cap"
    ) { bytes in
        var input = FuzzInput(bytes)
        let cap = Int(input.byte()) * 64
        var deframer = MessageDeframer(maxMessageBytes: cap)
        var delivered = 0
        var total = 0
        while !input.isAtEnd {
            let chunk = input.lengthPrefixed()
            total += chunk.count
            deframer.append(ByteBuffer(bytes: chunk))
            do {
                while let message = try deframer.next() {
                    precondition(message.count <= cap, "message of \(message.count) bytes passed a cap of \(cap)")
                    delivered += 5 + message.count
                }
            } catch {
                return
            }
        }
        precondition(delivered <= total)
        _ = deframer.hasPartialMessage
    }

    /// Input: header fields, each a length-prefixed name then a length-prefixed value.
    static let requestHead = FuzzTarget(
        name: "grpc-request-head",
        summary: "RequestHead(parsing:): request HEADERS to method descriptor and metadata (-bin base64, content-type, :path); Base64 and grpc-message percent-encoding"
    ) { bytes in
        var input = FuzzInput(bytes)
        var headers = HPACKHeaders()
        while !input.isAtEnd, headers.count < 64 {
            // HPACKHeaders requires ASCII names (its decoder never yields others): the high bit is dropped.
            let name = String(decoding: input.lengthPrefixed().map { $0 & 0x7F }, as: UTF8.self)
            let value = String(decoding: input.lengthPrefixed(), as: UTF8.self)
            headers.add(name: name, value: value)
        }
        if let head = try? RequestHead(parsing: headers) {
            _ = head.descriptor.fullyQualifiedMethod
            _ = head.metadata.count
        }
        for (name, value, _) in headers {
            if let decoded = Base64.decode(Substring(value).utf8) {
                let encoded = Base64.encodeUnpadded(decoded)
                precondition(Base64.decode(Substring(encoded).utf8) == decoded, "base64 round trip failed for \(value)")
            }
            let message = PercentEncoding.encode(name)
            precondition(message.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "grpc-message has a byte outside 0x20...0x7E")
        }
    }
}
