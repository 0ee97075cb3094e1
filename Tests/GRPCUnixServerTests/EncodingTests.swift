@testable import GRPCUnixServer
import GRPCCore
import NIOCore
import NIOHPACK
import Testing

@Suite("UnixServerTransport encodings")
struct EncodingTests {
    @Test("base64 round trips, accepts padded and unpadded input, rejects garbage")
    func base64() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 200) }
            let encoded = Base64.encodeUnpadded(bytes)
            #expect(!encoded.hasSuffix("="))
            #expect(Base64.decode(Substring(encoded).utf8) == bytes)
            let padding = String(repeating: "=", count: (4 - encoded.count % 4) % 4)
            #expect(Base64.decode(Substring(encoded + padding).utf8) == bytes)
        }
        #expect(Base64.encodeUnpadded(Array("hello".utf8)) == "aGVsbG8")
        #expect(Base64.decode(Substring("a").utf8) == nil)
        #expect(Base64.decode(Substring("a*bc").utf8) == nil)
    }

    @Test("grpc-message percent-encoding")
    func percent() {
        #expect(PercentEncoding.encode("plain text") == "plain text")
        #expect(PercentEncoding.encode("100%") == "100%25")
        #expect(PercentEncoding.encode("a\nb") == "a%0Ab")
        #expect(PercentEncoding.encode("✓") == "%E2%9C%93")
    }

    @Test("request heads: method, content-type, path and encoding are checked")
    func requestHead() throws {
        func head(_ pairs: [(String, String)]) throws(RequestHead.Rejection) -> RequestHead {
            try RequestHead(parsing: HPACKHeaders(pairs))
        }
        let base = [(":method", "POST"), (":path", "/pkg.Svc/Do"), (":scheme", "http"), ("content-type", "application/grpc+proto"), ("te", "trailers"), ("grpc-timeout", "1S")]
        let ok = try head(base)
        #expect(ok.descriptor == MethodDescriptor(fullyQualifiedService: "pkg.Svc", method: "Do"))
        #expect(Array(ok.metadata[stringValues: "grpc-timeout"]) == ["1S"])
        #expect(ok.metadata[stringValues: "te"].first(where: { _ in true }) == nil)

        #expect(throws: RequestHead.Rejection.http(status: 405, reason: "method GET is not POST")) {
            try head([(":method", "GET")] + base.dropFirst())
        }
        #expect(throws: (RequestHead.Rejection).self) { try head(base.filter { $0.0 != "content-type" } + [("content-type", "text/html")]) }
        #expect(throws: (RequestHead.Rejection).self) { try head(base.filter { $0.0 != "content-type" } + [("content-type", "application/grpc-web")]) }
        #expect(throws: (RequestHead.Rejection).self) { try head(base + [("grpc-encoding", "gzip")]) }
        _ = try head(base + [("grpc-encoding", "identity")])
        #expect(RequestHead.descriptor(fromPath: "/a/b/c") == nil)
        #expect(RequestHead.descriptor(fromPath: "a/b") == nil)
        #expect(RequestHead.descriptor(fromPath: "/a/") == nil)
    }

    @Test("the deframer reassembles split messages and refuses compressed or oversized ones")
    func deframer() throws {
        var deframer = MessageDeframer(maxMessageBytes: 10)
        let frame: [UInt8] = [0, 0, 0, 0, 3, 7, 8, 9, 0, 0, 0, 0, 0]
        for byte in frame { deframer.append(ByteBuffer(bytes: [byte])) }
        #expect(try deframer.next() == [7, 8, 9])
        #expect(try deframer.next() == [])
        #expect(try deframer.next() == nil)
        #expect(!deframer.hasPartialMessage)

        var big = MessageDeframer(maxMessageBytes: 10)
        big.append(ByteBuffer(bytes: [0, 0, 0, 0, 11]))
        #expect(throws: RPCError.self) { try big.next() }

        var compressed = MessageDeframer(maxMessageBytes: 10)
        compressed.append(ByteBuffer(bytes: [1, 0, 0, 0, 1, 5]))
        #expect { try compressed.next() } throws: { ($0 as? RPCError)?.code == .unimplemented }
    }
}
