import SteepleConfig
import Testing

@Suite("Typed reading")
struct ConfigReadingTests {
    @Test("returns nil for absent keys and throws missingKey only for required ones")
    func absentKeys() throws {
        let body = try ConfigBody(parsing: "a = 1")
        #expect(try body.string("b") == nil)
        #expect(try body.int("b") == nil)
        #expect(try body.bool("b") == nil)
        #expect(try body.duration("b") == nil)
        #expect(try body.stringList("b") == nil)
        #expect(try body.block("b") == nil)
        #expect(try body.blocks("b", labels: 1).isEmpty)
        #expect(try body.duration("b") ?? .seconds(5) == .seconds(5))
    }

    @Test(
        "reads bools from true/false and from the strings Go's ParseBool accepts",
        arguments: [
            ("true", true), ("false", false), ("\"true\"", true), ("\"1\"", true), ("\"F\"", false),
            ("\"False\"", false),
        ])
    func readsBools(_ literal: String, _ expected: Bool) throws {
        #expect(try ConfigBody(parsing: "flag = \(literal)").bool("flag") == expected)
    }

    @Test("reads a number as a string, as HCL v1 does, so ca_ttl = 0 is a zero duration")
    func readsNumbersAsStrings() throws {
        let body = try ConfigBody(parsing: "ttl = 0\nname = 42")
        #expect(try body.string("name") == "42")
        #expect(try body.duration("ttl") == .zero)
    }

    @Test("reads object attributes and blocks alike")
    func readsObjectsAsBlocks() throws {
        let block = try ConfigBody(parsing: "server { port = 1 }")
        let object = try ConfigBody(parsing: "server = { port = 1 }")
        #expect(try block.requiredBlock("server").int("port") == 1)
        #expect(try object.requiredBlock("server").int("port") == 1)
        #expect(block.canonicalText == object.canonicalText)
    }

    @Test("folds nested blocks into labels and unfolds extra labels into nested blocks")
    func foldsLabels() throws {
        let labelled = try ConfigBody(parsing: "DataStore \"sql\" { plugin_data { a = 1 } }")
        let nested = try ConfigBody(parsing: "DataStore { sql { plugin_data { a = 1 } } }")
        let objects = try ConfigBody(parsing: "DataStore = { sql = { plugin_data = { a = 1 } } }")
        for body in [labelled, nested, objects] {
            let blocks = try body.blocks("DataStore", labels: 1)
            #expect(blocks.count == 1)
            #expect(blocks.first?.labels == ["sql"])
            #expect(try blocks.first?.body.requiredBlock("plugin_data").int("a") == 1)
        }
        let unlabelled = try labelled.requiredBlock("DataStore")
        #expect(try unlabelled.requiredBlock("sql").requiredBlock("plugin_data").int("a") == 1)
        let twoLabels = try labelled.blocks("DataStore", labels: 2)
        #expect(twoLabels.first?.labels == ["sql", "plugin_data"])
        #expect(try twoLabels.first?.body.int("a") == 1)
    }

    @Test("splits one nested block holding several names into one block per name")
    func splitsNestedNames() throws {
        let body = try ConfigBody(parsing: "WorkloadAttestor { k8s { x = 1 } unix { x = 2 } }")
        let blocks = try body.blocks("WorkloadAttestor", labels: 1)
        #expect(blocks.map(\.labels) == [["k8s"], ["unix"]])
    }

    @Test("lists every plugin in declaration order, whatever its shape")
    func listsAllBlocks() throws {
        let body = try ConfigBody(
            parsing: """
                DataStore "sql" {}
                KeyManager = { memory = {} }
                NodeAttestor { join_token {} }
                """)
        let blocks = try body.allBlocks(labels: 1)
        #expect(
            blocks.map(\.displayName) == ["DataStore \"sql\"", "KeyManager \"memory\"", "NodeAttestor \"join_token\""])
    }

    @Test("rejects keys the consumer does not support, naming the key, its line and the supported keys")
    func rejectsUnknownKeys() throws {
        let server = try ConfigBody(parsing: "server {\n  trust_domain = \"x\"\n  bind_prot = 1\n}").requiredBlock(
            "server")
        let error = #expect(throws: ConfigError.self) {
            try server.rejectUnknownKeys(allowed: ["trust_domain", "bind_port", "bind_address"], context: "server")
        }
        #expect(error?.code == .unknownKey)
        #expect(error?.position == ConfigPosition(line: 3, column: 3))
        #expect(error?.message.contains("bind_prot") == true)
        #expect(error?.message.contains("bind_address, bind_port, trust_domain") == true)
    }

    @Test("accepts ignored keys silently and returns them for logging")
    func returnsIgnoredKeys() throws {
        let body = try ConfigBody(parsing: "a = 1\nprofiling_enabled = true\nb { }\nb { }\nlegacy { }")
        let ignored = try body.rejectUnknownKeys(
            allowed: ["a", "b"], ignored: ["profiling_enabled", "legacy", "unused"])
        #expect(
            ignored == [
                ConfigKey(name: "profiling_enabled", position: ConfigPosition(line: 2, column: 1)),
                ConfigKey(name: "legacy", position: ConfigPosition(line: 5, column: 1)),
            ])
    }

    @Test(
        "reports a typed reader's mismatch at the value with the key's name",
        arguments: [
            "n = [1]", "n = true", "n = { a = 1 }", "n { }",
        ])
    func reportsMismatch(_ text: String) throws {
        let body = try ConfigBody(parsing: text)
        let error = #expect(throws: ConfigError.self) { try body.int("n") }
        #expect(error?.code == .typeMismatch)
    }

    @Test(
        "rejects integers that are not whole or overflow",
        arguments: [
            "\"80x1\"", "1.5", "\"\"", "99999999999999999999", "\"0x\"", "1e3",
        ])
    func rejectsBadIntegers(_ literal: String) throws {
        let error = #expect(throws: ConfigError.self) { try ConfigBody(parsing: "n = \(literal)").int("n") }
        #expect(error?.code == .invalidValue)
    }

    @Test("reads the value kinds directly")
    func readsValueKinds() throws {
        let body = try ConfigBody(parsing: "s = \"x\"\nl = [\"a\"]\no = { k = 1 }")
        #expect(try body.requiredValue("s").asString() == "x")
        #expect(try body.requiredValue("l").asStringList() == ["a"])
        #expect(try body.requiredValue("o").asBody().int("k") == 1)
        #expect(throws: ConfigError.self) { try body.requiredValue("s").asList() }
        #expect(throws: ConfigError.self) { try body.requiredValue("s").asBody() }
        #expect(throws: ConfigError.self) { try body.requiredValue("o").asString() }
    }

    @Test("renders the canonical form as HCL text that parses back to the same canonical form")
    func rendersCanonicalText() throws {
        let body = try ConfigBody(
            parsing: #"""
                plugins { DataStore "sql" { plugin_data { a = "x\"y", b = [1, true] } } }
                server { port = 1, list = [{ k = "v" }, "s"] }
                """#
        )
        let expected = #"""
            plugins "DataStore" "sql" "plugin_data" {
              a = "x\"y"
              b = [1, true]
            }
            server {
              port = 1
              list = [{
                k = "v"
              }, "s"]
            }

            """#
        #expect(body.canonicalText == expected)
        #expect(try ConfigBody(parsing: body.canonicalText).canonicalText == expected)
    }
}
