import SteepleConfig
import Testing

@Suite("HCL parsing")
struct HCLParsingTests {
    @Test("parses SPIRE's server.conf with every block SPIRE documents")
    func parsesServerConfig() throws {
        let root = try ConfigBody(parsing: SPIREServerConfig.hcl)
        #expect(root.keys == ["server", "plugins", "health_checks", "telemetry"])

        let server = try root.requiredBlock("server")
        #expect(try server.string("trust_domain") == "example.org")
        #expect(try server.int("bind_port") == 8081)
        #expect(try server.duration("ca_ttl") == .seconds(24 * 3600))
        #expect(try server.duration("default_jwt_svid_ttl") == .seconds(300))
        #expect(try server.stringList("admin_ids") == ["spiffe://example.org/admin", "spiffe://example.org/ops"])
        #expect(try server.requiredBlock("ca_subject").stringList("organization") == ["SPIFFE"])

        let federation = try server.requiredBlock("federation")
        #expect(try federation.requiredBlock("bundle_endpoint").int("port") == 8443)
        let federatesWith = try federation.blocks("federates_with", labels: 1)
        #expect(federatesWith.map(\.labels) == [["domain1.test"], ["domain2.test"]])
        let profile = try federatesWith[1].body.blocks("bundle_endpoint_profile", labels: 1)
        #expect(profile.first?.labels == ["https_spiffe"])
        #expect(try profile.first?.body.string("endpoint_spiffe_id") == "spiffe://domain2.test/beserver")

        let plugins = try root.requiredBlock("plugins").allBlocks(labels: 1)
        #expect(
            plugins.map(\.displayName) == [
                "DataStore \"sql\"", "KeyManager \"disk\"", "NodeAttestor \"join_token\"", "UpstreamAuthority \"disk\"",
            ])
        let sql = try plugins[0].body.requiredBlock("plugin_data")
        #expect(try sql.string("database_type") == "sqlite3")
        #expect(try sql.string("connection_string") == "./.data/datastore.sqlite3")
        #expect(try plugins[2].body.requiredBlock("plugin_data").entries.isEmpty)

        let health = try root.requiredBlock("health_checks")
        #expect(try health.bool("listener_enabled") == true)
        #expect(try health.int("bind_port") == 8080)

        let telemetry = try root.requiredBlock("telemetry")
        #expect(try telemetry.requiredBlock("Prometheus").int("port") == 9988)
        #expect(try telemetry.stringList("AllowedLabels") == [])
    }

    @Test("parses SPIRE's agent.conf with repeated plugin types")
    func parsesAgentConfig() throws {
        let root = try ConfigBody(parsing: SPIREAgentConfig.hcl)
        let agent = try root.requiredBlock("agent")
        #expect(try agent.string("server_address") == "localhost")
        #expect(try agent.int("server_port") == 8081)
        #expect(try agent.int("x509_svid_cache_max_size") == 1000)
        #expect(try agent.duration("availability_target") == .seconds(86_400))
        #expect(try agent.requiredBlock("sds").string("default_bundle_name") == "ROOTCA")
        #expect(try agent.requiredBlock("experimental").duration("sync_interval") == .seconds(5))

        let attestors = try root.requiredBlock("plugins").blocks("WorkloadAttestor", labels: 1)
        #expect(attestors.map(\.labels) == [["k8s"], ["unix"]])
        #expect(try attestors[0].body.requiredBlock("plugin_data").bool("skip_kubelet_verification") == true)
    }

    @Test("skips #, // and /* */ comments anywhere whitespace may appear")
    func skipsComments() throws {
        let text = """
            # hash comment
            // slash comment
            /* block
               comment */ server /* between type and brace */ {
                bind_port = /* before value */ 8081 # after value
                admin_ids = [ // inside a list
                    "a", /* between elements */ "b" # trailing
                ]
                trust_domain = "x" // end of line
            }
            plugins { DataStore /* between type and label */ "sql" /* before brace */ {} }
            /* at end */
            """
        let root = try ConfigBody(parsing: text)
        let server = try root.requiredBlock("server")
        #expect(try server.int("bind_port") == 8081)
        #expect(try server.stringList("admin_ids") == ["a", "b"])
        #expect(try server.string("trust_domain") == "x")
        #expect(try root.requiredBlock("plugins").blocks("DataStore", labels: 1).first?.labels == ["sql"])
    }

    @Test(
        "keeps a number's literal and reads ints from numbers and quoted numbers",
        arguments: [
            ("port = 8081", 8081), ("port = \"8081\"", 8081), ("port = -1", -1), ("port = 0x1F", 31),
            ("port = \"-42\"", -42), ("port = 0", 0),
        ])
    func readsIntegers(_ text: String, _ expected: Int) throws {
        #expect(try ConfigBody(parsing: text).int("port") == expected)
    }

    @Test("keeps number literals as written", arguments: ["8081", "-1", "0.5", "-2.25", "1e3", "6.02E+23", "0x1F"])
    func keepsNumberLiterals(_ literal: String) throws {
        let value = try ConfigBody(parsing: "n = \(literal)").requiredValue("n")
        #expect(value.kind == .number(literal: literal))
    }

    @Test("reads floats from numbers and strings")
    func readsFloats() throws {
        let body = try ConfigBody(parsing: "a = 0.5\nb = \"1.25\"\nc = 3\nd = -2e2")
        #expect(try body.double("a") == 0.5)
        #expect(try body.double("b") == 1.25)
        #expect(try body.double("c") == 3)
        #expect(try body.double("d") == -200)
    }

    @Test("reads lists with trailing commas, across lines, nested and mixed")
    func readsLists() throws {
        let body = try ConfigBody(
            parsing: """
                a = []
                b = ["x",]
                c = [
                  "x",
                  "y",
                ]
                d = [[1, 2], ["z"], { k = "v" }, true]
                """)
        #expect(try body.stringList("a") == [])
        #expect(try body.stringList("b") == ["x"])
        #expect(try body.stringList("c") == ["x", "y"])
        let d = try body.requiredValue("d").asList()
        #expect(d.count == 4)
        #expect(try d[0].asList().map { try $0.asInt() } == [1, 2])
        #expect(try d[2].asBody().string("k") == "v")
        #expect(try d[3].asBool() == true)
    }

    @Test("separates attributes by newlines, commas or nothing, as HCL v1 does")
    func separatesAttributes() throws {
        let body = try ConfigBody(
            parsing: """
                plugin_data { database_type = "sqlite3" connection_string = "/x/db" }
                object = { a = 1, b = 2 }
                """)
        let data = try body.requiredBlock("plugin_data")
        #expect(try data.string("database_type") == "sqlite3")
        #expect(try data.string("connection_string") == "/x/db")
        let object = try body.requiredBlock("object")
        #expect(object.keys == ["a", "b"])
    }

    @Test("resolves string escapes and keeps ${…} literally")
    func resolvesEscapes() throws {
        let body = try ConfigBody(
            parsing: #"""
                a = "quote \" backslash \\ newline \n tab \t"
                b = "snowman \u2603 and \U0001F600"
                c = "${env.HOME}/x and ${lookup(map, "key")}"
                d = "tëxt"
                "quoted key" = 1
                """#)
        #expect(try body.string("a") == "quote \" backslash \\ newline \n tab \t")
        #expect(try body.string("b") == "snowman \u{2603} and \u{1F600}")
        #expect(try body.string("c") == #"${env.HOME}/x and ${lookup(map, "key")}"#)
        #expect(try body.string("d") == "tëxt")
        #expect(try body.int("quoted key") == 1)
    }

    @Test("reads heredocs, keeping the newline after each line")
    func readsHeredocs() throws {
        let body = try ConfigBody(
            parsing: """
                policy = <<EOF
                line one
                  line two
                EOF
                indented = <<-EOT
                    first
                      second

                    third
                    EOT
                after = 1
                """)
        #expect(try body.string("policy") == "line one\n  line two\n")
        #expect(try body.string("indented") == "first\n  second\n\nthird\n")
        #expect(try body.int("after") == 1)
    }

    @Test("yields one block per repetition of a block name")
    func repeatsBlocks() throws {
        let body = try ConfigBody(
            parsing: """
                federates_with "a" { x = 1 }
                federates_with "b" { x = 2 }
                """)
        #expect(body.blocks.count == 2)
        let blocks = try body.blocks("federates_with", labels: 1)
        #expect(blocks.map(\.labels) == [["a"], ["b"]])
        #expect(try blocks.map { try $0.body.int("x") } == [1, 2])
    }

    @Test("records line and column of keys, values, blocks and labels")
    func recordsPositions() throws {
        let body = try ConfigBody(parsing: "server {\n  bind_port = 8081\n}\nplugins {\n\tDataStore \"sql\" {}\n}")
        let server = try #require(body.blocks.first)
        #expect(server.position == ConfigPosition(line: 1, column: 1))
        #expect(server.body.position == ConfigPosition(line: 1, column: 8))
        let port = try #require(server.body.attribute("bind_port"))
        #expect(port.position == ConfigPosition(line: 2, column: 3))
        #expect(port.value.position == ConfigPosition(line: 2, column: 15))
        let dataStore = try #require(body.blocks.last?.body.blocks.first)
        #expect(dataStore.position == ConfigPosition(line: 5, column: 2))
        #expect(dataStore.labelPositions == [ConfigPosition(line: 5, column: 12)])
    }

    @Test("counts columns in Unicode scalars")
    func countsColumnsInScalars() throws {
        let body = try ConfigBody(parsing: "a = \"ü€😀\" b = 1")
        #expect(body.attribute("b")?.position == ConfigPosition(line: 1, column: 11))
    }

    @Test("treats an empty file or one with only comments as an empty body")
    func parsesEmptyFiles() throws {
        #expect(try ConfigBody(parsing: "").entries.isEmpty)
        #expect(try ConfigBody(parsing: "# nothing\n/* here */\n").entries.isEmpty)
    }

    @Test("accepts a byte-order mark and CRLF line ends")
    func acceptsBOMAndCRLF() throws {
        let body = try ConfigBody(parsing: Array("\u{FEFF}a = 1\r\nb = <<EOF\r\nx\r\nEOF\r\n".utf8))
        #expect(try body.int("a") == 1)
        #expect(try body.string("b") == "x\n")
    }
}
