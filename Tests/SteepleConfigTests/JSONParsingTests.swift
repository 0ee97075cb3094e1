import SteepleConfig
import Testing

@Suite("JSON parsing")
struct JSONParsingTests {
    @Test(
        "detects JSON when the first character other than whitespace is {",
        arguments: [
            ("{}", ConfigFormat.json), ("  \n\t{\"a\": 1}", .json), ("\u{FEFF}{}", .json), ("a = 1", .hcl),
            ("# {\n", .hcl), ("", .hcl),
        ])
    func detectsFormat(_ text: String, _ format: ConfigFormat) {
        #expect(ConfigFormat.detect(Array(text.utf8)) == format)
    }

    @Test(
        "both JSON shapes SPIRE accepts yield the same tree as the HCL server.conf",
        arguments: [
            SPIREServerConfig.jsonLists, SPIREServerConfig.jsonObjects,
        ])
    func jsonMatchesHCL(_ json: String) throws {
        let hcl = try ConfigBody(parsing: SPIREServerConfig.hcl)
        let fromJSON = try ConfigBody(parsing: json)
        #expect(fromJSON.canonicalText == hcl.canonicalText)
        #expect(hcl.canonicalText.contains("plugins \"DataStore\" \"sql\" \"plugin_data\" {"))
    }

    @Test(
        "reads the JSON server config through the same typed readers as HCL",
        arguments: [
            SPIREServerConfig.jsonLists, SPIREServerConfig.jsonObjects,
        ])
    func readsJSONLikeHCL(_ json: String) throws {
        let root = try ConfigBody(parsing: json)
        let server = try root.requiredBlock("server")
        #expect(try server.int("bind_port") == 8081)
        #expect(try server.duration("ca_ttl") == .seconds(86_400))
        let federatesWith = try server.requiredBlock("federation").blocks("federates_with", labels: 1)
        #expect(federatesWith.map(\.labels) == [["domain1.test"], ["domain2.test"]])
        let plugins = try root.requiredBlock("plugins").allBlocks(labels: 1)
        #expect(
            plugins.map(\.displayName) == [
                "DataStore \"sql\"", "KeyManager \"disk\"", "NodeAttestor \"join_token\"", "UpstreamAuthority \"disk\"",
            ])
        #expect(try plugins[0].body.requiredBlock("plugin_data").string("database_type") == "sqlite3")
        #expect(try root.requiredBlock("health_checks").bool("listener_enabled") == true)
    }

    @Test("reads SPIRE's fully listed plugin JSON shape from issue 3938")
    func readsFullyListedPlugins() throws {
        let root = try ConfigBody(
            parsing: """
                {"plugins": {
                  "DataStore": [{"sql": [{"plugin_data": [{"database_type": "sqlite3"}]}]}],
                  "KeyManager": [{"disk": [{"plugin_data": [{"keys_path": "/run/keys.json"}]}]}]
                }}
                """)
        let plugins = try root.requiredBlock("plugins").allBlocks(labels: 1)
        #expect(plugins.map(\.type) == ["DataStore", "KeyManager"])
        #expect(try plugins[1].body.requiredBlock("plugin_data").string("keys_path") == "/run/keys.json")
    }

    @Test("maps scalars, arrays and escapes, and records positions")
    func mapsValues() throws {
        let body = try ConfigBody(
            parsing: #"""
                {
                  "s": "a\"b\\c\/d\n\u00e9\ud83d\ude00",
                  "i": -12, "f": 1.5e-3, "t": true, "n": null,
                  "l": ["x", 1, false, {"k": "v"}],
                  "empty": []
                }
                """#)
        #expect(try body.string("s") == "a\"b\\c/d\né\u{1F600}")
        #expect(try body.requiredValue("i").kind == .number(literal: "-12"))
        #expect(try body.requiredValue("f").kind == .number(literal: "1.5e-3"))
        #expect(try body.bool("t") == true)
        #expect(try body.value("n") == nil)
        let list = try body.requiredValue("l").asList()
        #expect(list.count == 4)
        #expect(try list[3].asBody().string("k") == "v")
        #expect(try body.stringList("empty") == [])
        #expect(body.attribute("i")?.position == ConfigPosition(line: 3, column: 3))
        #expect(body.attribute("i")?.value.position == ConfigPosition(line: 3, column: 8))
    }

    @Test("maps an object member to a block and an array of objects to repeated blocks")
    func mapsBlocks() throws {
        let body = try ConfigBody(parsing: #"{"a": {"x": 1}, "b": [{"y": 1}, {"y": 2}]}"#)
        #expect(body.blocks.map(\.type) == ["a", "b", "b"])
        #expect(try body.blocks("b").map { try $0.body.int("y") } == [1, 2])
    }

    @Test(
        "rejects malformed JSON",
        arguments: [
            "{", "{\"a\"}", "{\"a\": }", "{\"a\": 1,}", "{\"a\": [1,]}", "{a: 1}", "{\"a\": 01}", "{\"a\": 1.}",
            "{\"a\": \"x}", "{\"a\": \"\\q\"}", "{\"a\": \"\\u12\"}", "{\"a\": tru}", "{} x", "{\"a\": \"\t\"}",
            "{\"a\": [null]}", "{\"a\": -}", "{\"a\": 1e}",
        ])
    func rejectsMalformedJSON(_ text: String) {
        let error = #expect(throws: ConfigError.self) { try ConfigBody(parsing: text) }
        #expect(error?.code == .syntax)
    }

    @Test("reports a JSON attribute set twice as a duplicate key")
    func rejectsDuplicateJSONKeys() {
        let error = #expect(throws: ConfigError.self) { try ConfigBody(parsing: "{\"a\": 1,\n \"a\": 2}") }
        #expect(error?.code == .duplicateKey)
        #expect(error?.position == ConfigPosition(line: 2, column: 2))
    }

    @Test("parses JSON when asked even without detection")
    func parsesJSONOnRequest() throws {
        let body = try ConfigBody(parsing: "  {\"a\": 1}", format: .json)
        #expect(try body.int("a") == 1)
        let error = #expect(throws: ConfigError.self) { try ConfigBody(parsing: "a = 1", format: .json) }
        #expect(error?.code == .syntax)
    }
}
