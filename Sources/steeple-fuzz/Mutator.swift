/// A small random mutator for the normal (uninstrumented) build: it is not coverage-guided, but it gives the test
/// command a bounded fuzz pass over every target without a special toolchain build. Each step takes a corpus input
/// (or a previous mutant) and applies one to four of: flip a bit, set a byte to an interesting value, insert or
/// delete a run of bytes, duplicate a chunk, overwrite with a dictionary token, or splice two inputs.
struct Mutator {
    private var state: UInt64
    private let corpus: [[UInt8]]
    private let maxLength: Int

    private static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x2F, 0x3A, 0x2E, 0x25, 0x22, 0x5C, 0x7B, 0x7D, 0x0A]
    /// Tokens the parsers care about: SPIFFE ID syntax, JSON and HCL punctuation, protobuf varints, DER headers.
    private static let tokens: [[UInt8]] = [
        "spiffe://", "example.org", "/", "//", "..", "%", "%2F", "unix://", "tcp://", "[::1]", ":8080",
        "{", "}", "[", "]", "\"", "\\u0000", ":", ",", "null", "true", "-1", "1e308", "9223372036854775807",
        "18446744073709551615", "-9223372036854775808", "keys", "kty", "EC", "RSA", "x5c", "use", "jwt-svid",
        "x509-svid", "kid", "alg", "ES256", "RS256", "none", "sub", "aud", "exp", "iat", "nbf", ".", "=", "${",
        "server {", "agent {", "plugins {", "#", "/*", "*/", "<<EOF\n", "\nEOF\n", "0x", "1h", "-1s", "content-type",
        "application/grpc", ":path", "POST", "grpc-timeout", "-bin",
    ].map { Array($0.utf8) } + [
        // Varints: -1 (and UInt64.max), Int64.max, Int32.max, 2^32, 2^53 + 1.
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x07], [0x80, 0x80, 0x80, 0x80, 0x10], [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
        [0x30, 0x82, 0xFF, 0xFF],
        [0x30, 0x80], [0x02, 0x01, 0x00], [0x06, 0x03, 0x55, 0x1D, 0x11], [0x00, 0x7F, 0xFF, 0xFF, 0xFF], [0xC0, 0xAF],
        [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF],
    ]

    init(seed: UInt64, corpus: [[UInt8]], maxLength: Int = 8192) {
        self.state = seed
        self.corpus = corpus.isEmpty ? [[]] : corpus
        self.maxLength = maxLength
    }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int {
        bound <= 1 ? 0 : Int(next() % UInt64(bound))
    }

    mutating func mutant(of previous: [UInt8]?) -> [UInt8] {
        var input = previous.flatMap { below(4) == 0 ? nil : $0 } ?? corpus[below(corpus.count)]
        for _ in 0...below(4) {
            mutate(&input)
        }
        if input.count > maxLength { input.removeLast(input.count - maxLength) }
        return input
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        switch below(8) {
        case 0 where !input.isEmpty:
            input[below(input.count)] ^= UInt8(1 << below(8))
        case 1 where !input.isEmpty:
            input[below(input.count)] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 2:
            let count = 1 + below(8)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
            input.insert(contentsOf: bytes, at: below(input.count + 1))
        case 3 where !input.isEmpty:
            let start = below(input.count)
            let count = 1 + below(min(16, input.count - start))
            input.removeSubrange(start..<(start + count))
        case 4 where !input.isEmpty:
            let start = below(input.count)
            let chunk = input[start..<min(input.count, start + 1 + below(32))]
            input.insert(contentsOf: chunk, at: below(input.count + 1))
        case 5:
            let token = Self.tokens[below(Self.tokens.count)]
            let at = below(input.count + 1)
            if below(2) == 0 {
                input.insert(contentsOf: token, at: at)
            } else {
                input.replaceSubrange(at..<min(input.count, at + token.count), with: token)
            }
        case 6:
            let other = corpus[below(corpus.count)]
            let cut = below(input.count + 1)
            let otherCut = below(other.count + 1)
            input = Array(input[..<cut]) + other[otherCut...]
        default:
            if !input.isEmpty {
                let at = below(input.count)
                input[at] = input[at] &+ UInt8(truncatingIfNeeded: below(9)) &- 4
            }
        }
    }
}
