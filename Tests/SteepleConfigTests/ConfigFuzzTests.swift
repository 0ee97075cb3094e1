import SteepleConfig
import SteepleTestSupport
import Testing

/// Truncations and seeded random mutations of valid configurations: each must parse or throw a ``ConfigError``,
/// never crash or hang. A crash fails the whole test run, so these tests pass by finishing.
@Suite("Robustness against malformed input")
struct ConfigFuzzTests {
    static let inputs: [(String, String)] = [
        ("server.conf", SPIREServerConfig.hcl),
        ("agent.conf", SPIREAgentConfig.hcl),
        ("server.json lists", SPIREServerConfig.jsonLists),
        ("server.json objects", SPIREServerConfig.jsonObjects),
        (
            "edge cases",
            #"""
            a = "x\"y\\z\u00e9 ${lookup(m, "k")}" // c
            b = <<-EOF
                text
                EOF
            c = [1, -2.5e3, 0x1F, true, { d = [] },]
            e "f" "g" { /* x */ h = "1h30m" }
            """#
        ),
    ]

    /// Reads a parsed body the way a consumer would, so reading is exercised on odd trees too.
    private static func exercise(_ body: ConfigBody) {
        _ = body.canonicalText
        _ = try? body.allBlocks(labels: 1)
        _ = try? body.allBlocks(labels: 3)
        _ = try? body.allBlocks(labels: -1)
        _ = try? body.rejectUnknownKeys(allowed: ["server", "plugins"], ignored: ["telemetry"])
        for key in body.keys {
            _ = try? body.string(key)
            _ = try? body.int(key)
            _ = try? body.double(key)
            _ = try? body.bool(key)
            _ = try? body.duration(key)
            _ = try? body.stringList(key)
            if let inner = try? body.block(key) {
                exercise(inner)
            }
        }
    }

    /// Parses bytes; the typed `throws(ConfigError)` guarantees any failure is a ``ConfigError``.
    private static func parse(_ bytes: [UInt8]) -> Bool {
        do {
            exercise(try ConfigBody(parsing: bytes))
            return true
        } catch {
            #expect(!error.message.isEmpty)
            return false
        }
    }

    @Test("every prefix of a valid configuration parses or throws a ConfigError", arguments: inputs.map(\.0))
    func everyPrefix(_ name: String) throws {
        let text = try #require(Self.inputs.first { $0.0 == name }?.1)
        let bytes = Array(text.utf8)
        #expect(Self.parse(bytes))
        var failures = 0
        for length in 0..<bytes.count where !Self.parse(Array(bytes[..<length])) {
            failures += 1
        }
        #expect(failures > 0)
    }

    @Test("seeded random byte mutations parse or throw a ConfigError", arguments: inputs.map(\.0))
    func randomMutations(_ name: String) throws {
        let text = try #require(Self.inputs.first { $0.0 == name }?.1)
        let original = Array(text.utf8)
        var random = SplitMix64(seed: 0x5EED_C0F1 &+ UInt64(name.utf8.count))
        let interesting =
            Array("{}[]=,\"\\#/*<-\n $.0123456789abcdefxu".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xE2, 0xF0, 0xFF]
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0...random.next(below: 4) {
                let index = random.next(below: bytes.count + 1)
                let byte =
                    random.next(below: 2) == 0
                    ? interesting[random.next(below: interesting.count)] : UInt8(truncatingIfNeeded: random.next())
                switch random.next(below: 3) {
                case 0 where index < bytes.count: bytes[index] = byte
                case 1: bytes.insert(byte, at: index)
                default: if index < bytes.count { bytes.remove(at: index) }
                }
            }
            _ = Self.parse(bytes)
        }
    }

    @Test("random bytes parse or throw a ConfigError")
    func randomBytes() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let count = random.next(below: 64)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = Self.parse(bytes)
            _ = Self.parse([UInt8(ascii: "{")] + bytes)
        }
    }

    @Test("random Go durations parse or throw a ConfigError")
    func randomDurations() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("0123456789.+-nsuµμmh ".unicodeScalars)
        for _ in 0..<5000 {
            var text = ""
            for _ in 0..<random.next(below: 24) {
                text.unicodeScalars.append(alphabet[random.next(below: alphabet.count)])
            }
            do {
                _ = try GoDuration.parse(text)
            } catch {
                #expect(error.code == .invalidDuration)
            }
        }
    }
}

