import SteepleConfig
import Testing

@Suite("ConfigError")
struct ConfigErrorTests {
    /// Runs `work` and returns the ConfigError it throws; records an issue for any other error.
    private func configError(_ work: () throws -> Void) -> ConfigError? {
        do {
            try work()
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("expected a ConfigError, got \(error)")
            return nil
        }
    }

    @Test("syntax: names the position of an attribute written without =")
    func syntax() {
        let error = configError { _ = try ConfigBody(parsing: "server {\n  trust_domain = \"x\"\n  bind_port 8081\n}") }
        #expect(error?.code == .syntax)
        #expect(error?.position == ConfigPosition(line: 3, column: 13))
        #expect(error?.description.hasPrefix("syntax: line 3, column 13: ") == true)
    }

    static let syntaxCases: [(String, ConfigPosition)] = [
        ("a = ", ConfigPosition(line: 1, column: 5)),
        ("a = \"open", ConfigPosition(line: 1, column: 5)),
        ("a = \"line\nbreak\"", ConfigPosition(line: 1, column: 5)),
        ("a = \"\\q\"", ConfigPosition(line: 1, column: 6)),
        ("a = \"\\u12\"", ConfigPosition(line: 1, column: 6)),
        ("a = \"\\uD800\"", ConfigPosition(line: 1, column: 6)),
        ("server {\n  a = 1\n", ConfigPosition(line: 3, column: 1)),
        ("}", ConfigPosition(line: 1, column: 1)),
        ("a = [1 2]", ConfigPosition(line: 1, column: 8)),
        ("a = [1,", ConfigPosition(line: 1, column: 8)),
        ("a = yes", ConfigPosition(line: 1, column: 5)),
        ("a = 24h", ConfigPosition(line: 1, column: 5)),
        ("a = 0.0.0.0", ConfigPosition(line: 1, column: 5)),
        ("a = 1.", ConfigPosition(line: 1, column: 5)),
        ("a = -", ConfigPosition(line: 1, column: 5)),
        ("a = 0x", ConfigPosition(line: 1, column: 5)),
        ("/* open", ConfigPosition(line: 1, column: 1)),
        ("a = <<EOF\nx\n", ConfigPosition(line: 1, column: 5)),
        ("a = <<EOF x\nEOF\n", ConfigPosition(line: 1, column: 5)),
        ("a = <<\nEOF\n", ConfigPosition(line: 1, column: 5)),
        ("= 1", ConfigPosition(line: 1, column: 1)),
        ("a \"x\" b = 1", ConfigPosition(line: 1, column: 3)),
        ("a \"x\" \"y\"", ConfigPosition(line: 1, column: 3)),
        ("server {\n  bind_port \"8081\"\n  x = 1\n}", ConfigPosition(line: 2, column: 13)),
        ("a", ConfigPosition(line: 1, column: 2)),
        ("a = 1 @", ConfigPosition(line: 1, column: 7)),
        ("a = ü", ConfigPosition(line: 1, column: 5)),
        ("a = [}", ConfigPosition(line: 1, column: 6)),
        ("a = {", ConfigPosition(line: 1, column: 6)),
    ]

    @Test("syntax: reports each malformed construct at its position", arguments: syntaxCases)
    func syntaxPositions(_ text: String, _ position: ConfigPosition) {
        let error = configError { _ = try ConfigBody(parsing: text) }
        #expect(error?.code == .syntax)
        #expect(error?.position == position)
    }

    @Test("syntax: reports invalid UTF-8 at the offending byte")
    func invalidUTF8() {
        let error = configError { _ = try ConfigBody(parsing: Array("a = \"".utf8) + [0xC3, 0x28] + Array("\"".utf8)) }
        #expect(error?.code == .syntax)
        #expect(error?.position == ConfigPosition(line: 1, column: 6))
    }

    @Test(
        "syntax: rejects nesting deeper than the limit instead of exhausting the stack",
        arguments: [
            String(repeating: "[", count: 100_000),
            "a = " + String(repeating: "[", count: 100_000),
            String(repeating: "a {", count: 100_000),
            "a = " + String(repeating: "{ b = ", count: 100_000),
            "{" + String(repeating: "\"a\": [", count: 100_000),
            "{" + String(repeating: "\"a\": {", count: 100_000),
            "a " + String(repeating: "\"l\" ", count: 100_000) + "{}",
        ])
    func deepNesting(_ text: String) {
        let error = configError { _ = try ConfigBody(parsing: text) }
        #expect(error?.code == .syntax)
    }

    @Test("duplicateKey: names both lines of an attribute set twice")
    func duplicateKey() {
        let error = configError { _ = try ConfigBody(parsing: "server {\n  bind_port = 1\n  bind_port = 2\n}") }
        #expect(error?.code == .duplicateKey)
        #expect(error?.position == ConfigPosition(line: 3, column: 3))
        #expect(error?.message.contains("line 2, column 3") == true)
    }

    @Test("duplicateKey: rejects a key used as an attribute and a block, and a single block given twice")
    func duplicateKeyShapes() throws {
        let mixed = configError { _ = try ConfigBody(parsing: "a = 1\na { }") }
        #expect(mixed?.code == .duplicateKey)
        #expect(mixed?.position == ConfigPosition(line: 2, column: 1))
        let body = try ConfigBody(parsing: "server { }\nserver { }")
        let twice = configError { _ = try body.block("server") }
        #expect(twice?.code == .duplicateKey)
        #expect(twice?.position == ConfigPosition(line: 2, column: 1))
    }

    @Test("unknownKey: names the key and its position")
    func unknownKey() throws {
        let body = try ConfigBody(parsing: "trust_domain = \"x\"\n\n   bnd_port = 1")
        let error = configError { try body.rejectUnknownKeys(allowed: ["trust_domain", "bind_port"]) }
        #expect(error?.code == .unknownKey)
        #expect(error?.position == ConfigPosition(line: 3, column: 4))
        #expect(error?.description.hasPrefix("unknownKey: ") == true)
    }

    @Test("typeMismatch: names the value's position")
    func typeMismatch() throws {
        let body = try ConfigBody(parsing: "admin_ids = \"spiffe://x/y\"")
        let error = configError { _ = try body.stringList("admin_ids") }
        #expect(error?.code == .typeMismatch)
        #expect(error?.position == ConfigPosition(line: 1, column: 13))
    }

    @Test("typeMismatch: a block that needs a name but holds attributes")
    func typeMismatchForLabels() throws {
        let body = try ConfigBody(parsing: "DataStore {\n  plugin_data = 1\n}")
        let error = configError { _ = try body.blocks("DataStore", labels: 1) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.position == ConfigPosition(line: 2, column: 3))
        let empty = try ConfigBody(parsing: "DataStore {}")
        #expect(configError { _ = try empty.blocks("DataStore", labels: 1) }?.code == .typeMismatch)
    }

    @Test("missingKey: names the body that lacks the key")
    func missingKey() throws {
        let body = try ConfigBody(parsing: "server {\n}")
        let server = try body.requiredBlock("server")
        let error = configError { _ = try server.requiredValue("trust_domain") }
        #expect(error?.code == .missingKey)
        #expect(error?.position == ConfigPosition(line: 1, column: 8))
        #expect(configError { _ = try body.requiredBlock("agent") }?.code == .missingKey)
    }

    @Test("invalidValue: names the position of text that is not an integer")
    func invalidValue() throws {
        let body = try ConfigBody(parsing: "\n bind_port = \"80x1\"")
        let error = configError { _ = try body.int("bind_port") }
        #expect(error?.code == .invalidValue)
        #expect(error?.position == ConfigPosition(line: 2, column: 14))
    }

    @Test("invalidDuration: names the position of a malformed duration")
    func invalidDuration() throws {
        let body = try ConfigBody(parsing: "ca_ttl = \"1 day\"")
        let error = configError { _ = try body.duration("ca_ttl") }
        #expect(error?.code == .invalidDuration)
        #expect(error?.position == ConfigPosition(line: 1, column: 10))
        #expect(error?.description.hasPrefix("invalidDuration: line 1, column 10: ") == true)
    }

    @Test("compares errors by code only")
    func equalityByCode() {
        let a = ConfigError(code: .syntax, at: .start, "one")
        let b = ConfigError(code: .syntax, at: nil, "two")
        let c = ConfigError(code: .unknownKey, at: .start, "one")
        #expect(a == b)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
    }
}
