import Logging
import SPIFFE
import SPIFFECA
import SteepleConfig
import SteepleServer
import Testing
import SteepleTelemetry
import X509

@Suite("Reading server.conf")
struct ServerConfigurationFileTests {
    @Test("reads SPIRE's documented example server.conf into every setting")
    func readsSPIREExample() throws {
        let configuration = try ServerConfiguration(
            parsing: ServerConfigurationFixtures.spireExample, path: "server.conf")
        #expect(configuration.trustDomain == (try TrustDomain("example.org")))
        #expect(configuration.bindAddress == "0.0.0.0")
        #expect(configuration.bindPort == 8081)
        #expect(configuration.socketPath == "/tmp/spire-server/private/api.sock")
        #expect(configuration.dataDirectory == "/opt/spire/data/server")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
        #expect(configuration.caKeyType == .rsa2048)
        #expect(configuration.effectiveJWTKeyType == .ecP384)
        #expect(configuration.caTTL == .seconds(168 * 3600))
        #expect(configuration.defaultX509SVIDTTL == .seconds(48 * 3600))
        #expect(configuration.defaultJWTSVIDTTL == .seconds(15 * 60))
        #expect(configuration.effectiveAgentTTL == .seconds(72 * 3600))
        #expect(configuration.jwtIssuer == "https://oidc.example.org")
        let subject = try DistinguishedName {
            CountryName("US")
            OrganizationName("SPIFFE")
            CommonName("example.org CA")
        }
        #expect(configuration.caSubject == subject)
        #expect(configuration.dataStore == .sqlite(path: "/opt/spire/data/server/datastore.sqlite3"))
        #expect(configuration.sqlitePath == "/opt/spire/data/server/datastore.sqlite3")
        #expect(configuration.keyManager == .disk(keysPath: "/opt/spire/data/server/keys.json"))
        #expect(
            configuration.upstreamAuthority
                == .disk(
                    certFilePath: "/opt/spire/conf/server/upstream-ca.crt",
                    keyFilePath: "/opt/spire/conf/server/upstream-ca.key",
                    bundleFilePath: "/opt/spire/conf/server/upstream-bundle.crt"))
        #expect(configuration.nodeAttestors.joinToken)
        #expect(
            configuration.nodeAttestors.x509pop
                == X509PoPConfiguration(
                    caBundlePaths: ["/opt/spire/conf/server/agent-cacert.pem"],
                    agentPathTemplate: "/x509pop/cn/{{ .Subject.CommonName }}"))
        #expect(configuration.healthChecks.listenerEnabled)
        #expect(configuration.healthChecks.bindAddress == "0.0.0.0")
        #expect(configuration.healthChecks.bindPort == 8080)
        #expect(configuration.configurationFile == "server.conf")
    }

    @Test("reports every accepted-and-ignored key and disabled plugin, in file order, with its line")
    func reportsIgnoredKeys() throws {
        let configuration = try ServerConfiguration(
            parsing: ServerConfigurationFixtures.spireExample, path: "server.conf")
        #expect(
            configuration.ignoredKeys == [
                "plugins.DataStore \"sql\".plugin_data.max_open_conns",
                "plugins.NodeAttestor \"k8s_psat\"",
            ])
        #expect(configuration.ignoredSettings.map(\.line) == [39, 60])
        #expect(configuration.auditLogEnabled)
        #expect(configuration.telemetry.prometheus == TelemetryConfiguration.PrometheusListener(host: "localhost", port: 9988))
        #expect(configuration.federation.bundleEndpoint?.port == 8443)
        #expect(configuration.adminIDs.map(\.string) == ["spiffe://example.org/admin"])
    }

    @Test("prune_attested_nodes_expired_for and prune_tofu_nodes are read (SPIRE's keys); a zero or negative duration is refused; the batch size is accepted and ignored, with why")
    func pruning() throws {
        let configuration = try parse(server: #"prune_attested_nodes_expired_for = "24h" prune_tofu_nodes = true prune_attested_nodes_batch_size = 100"#)
        #expect(configuration.pruneAttestedNodesExpiredFor == .seconds(24 * 3600))
        #expect(configuration.pruneTOFUNodes)
        #expect(configuration.ignoredSettings.map(\.key) == ["server.prune_attested_nodes_batch_size"])
        #expect(configuration.ignoredSettings.first?.reason.contains("one statement per pass") == true)
        #expect(try parse().pruneAttestedNodesExpiredFor == nil)
        #expect(throws: ServerConfigurationError.self) { try parse(server: #"prune_attested_nodes_expired_for = "-1h""#) }
        do {
            _ = try parse(server: #"prune_attested_nodes_expired_for = "0s""#)
            Issue.record("a zero duration was accepted")
        } catch {
            #expect("\(error)".contains("prune_attested_nodes_expired_for") && "\(error)".contains("a positive duration"), "\(error)")
        }
    }

    @Test("reads the six-line minimal configuration with SQLite and disk keys in data_dir")
    func readsMinimal() throws {
        #expect(ServerConfigurationFixtures.minimal.split(separator: "\n").count == 6)
        let configuration = try ServerConfiguration(parsing: ServerConfigurationFixtures.minimal, path: "server.conf")
        #expect(configuration.trustDomain.name == "example.org")
        #expect(configuration.sqlitePath == "./.data/datastore.sqlite3")
        #expect(configuration.keyManager == .disk(keysPath: nil))
        #expect(configuration.nodeAttestors == NodeAttestorConfiguration(joinToken: true))
        #expect(configuration.ignoredKeys.isEmpty)
    }

    @Test("reads SPIRE's shipped server.conf: quoted port, memory key manager, upstream without bundle")
    func readsShipped() throws {
        let configuration = try ServerConfiguration(
            parsing: ServerConfigurationFixtures.spireShipped, path: "server.conf")
        #expect(configuration.bindAddress == "127.0.0.1")
        #expect(configuration.keyManager == .memory)
        guard case .disk(let certFilePath, _, let bundleFilePath) = configuration.upstreamAuthority else {
            Issue.record("SPIRE's shipped file configures UpstreamAuthority \"disk\": \(String(describing: configuration.upstreamAuthority))")
            return
        }
        #expect(bundleFilePath == nil)
        #expect(certFilePath == "./conf/server/dummy_upstream_ca.crt")
    }

    @Test("reads the JSON form into the same configuration as the HCL form", arguments: ["server.json", "server.conf"])
    func readsJSON(path: String) throws {
        let hcl = try ServerConfiguration(parsing: ServerConfigurationFixtures.spireExample, path: "server.conf")
        let json = try ServerConfiguration(parsing: ServerConfigurationFixtures.spireExampleJSON, path: path)
        #expect(comparable(json) == comparable(hcl))
        #expect(json.ignoredKeys == hcl.ignoredKeys)
    }

    @Test("applies SPIRE's defaults to every key left out")
    func appliesDefaults() throws {
        let configuration = try ServerConfiguration(
            parsing: #"server { trust_domain = "example.org" }"#, path: "server.conf")
        #expect(configuration.dataDirectory == "./data/server")
        #expect(configuration.bindAddress == "0.0.0.0")
        #expect(configuration.bindPort == 8081)
        #expect(configuration.socketPath == "/tmp/spire-server/private/api.sock")
        #expect(configuration.caTTL == .seconds(24 * 3600))
        #expect(configuration.defaultX509SVIDTTL == .seconds(3600))
        #expect(configuration.defaultJWTSVIDTTL == .seconds(300))
        #expect(configuration.agentTTL == nil)
        #expect(configuration.effectiveAgentTTL == .seconds(3600))
        #expect(configuration.caKeyType == .ecP256)
        #expect(configuration.effectiveJWTKeyType == .ecP256)
        #expect(configuration.caSubject == ServerConfiguration.defaultCASubject)
        #expect(configuration.jwtIssuer == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.logFormat == .text)
        #expect(configuration.dataStore == .sqlite(path: nil))
        #expect(configuration.sqlitePath == "./data/server/datastore.sqlite3")
        #expect(configuration.keyManager == .disk(keysPath: nil))
        #expect(configuration.upstreamAuthority == nil)
        #expect(configuration.nodeAttestors == NodeAttestorConfiguration())
        #expect(configuration.healthChecks == HealthCheckConfiguration())
    }

    @Test(
        "reads log_level in any case, as SPIRE does",
        arguments: [
            ("DEBUG", Logger.Level.debug), ("debug", .debug), ("Info", .info), ("WARN", .warning),
            ("warning", .warning), ("ERROR", .error),
        ])
    func readsLogLevels(_ text: String, _ level: Logger.Level) throws {
        let configuration = try parse(server: #"log_level = "\#(text)""#)
        #expect(configuration.logLevel == level)
    }

    @Test("reads log_format text and json in any case", arguments: [("text", LogFormat.text), ("JSON", .json)])
    func readsLogFormats(_ text: String, _ format: LogFormat) throws {
        #expect(try parse(server: #"log_format = "\#(text)""#).logFormat == format)
    }

    @Test("accepts bind_port 0, which asks the system for any free port")
    func acceptsEphemeralPort() throws {
        #expect(try parse(server: "bind_port = 0").bindPort == 0)
    }

    @Test("keeps the default CA subject when ca_subject is empty, and reports it")
    func emptySubjectKeepsDefault() throws {
        let configuration = try parse(server: #"ca_subject { common_name = "" }"#)
        #expect(configuration.caSubject == ServerConfiguration.defaultCASubject)
        #expect(configuration.ignoredKeys == ["server.ca_subject"])
    }

    @Test("reads a single-string country or organization as a list of one")
    func readsSubjectStrings() throws {
        let configuration = try parse(server: #"ca_subject { country = "DE"  organization = "Example" }"#)
        let subject = try DistinguishedName {
            CountryName("DE")
            OrganizationName("Example")
        }
        #expect(configuration.caSubject == subject)
    }

    @Test("skips a plugin disabled with enabled = false, whatever its type, and reports it")
    func skipsDisabledPlugins() throws {
        let configuration = try parse(
            plugins: """
                KeyManager "memory" { enabled = false }
                Notifier "k8sbundle" { enabled = "false" }
                NodeAttestor "join_token" { enabled = true }
                """)
        #expect(configuration.keyManager == .disk(keysPath: nil))
        #expect(configuration.nodeAttestors.joinToken)
        #expect(configuration.ignoredKeys == ["plugins.KeyManager \"memory\"", "plugins.Notifier \"k8sbundle\""])
    }

    @Test("reads x509pop's ca_bundle_paths list and SPIRE's default agent path template")
    func readsX509PoPList() throws {
        let configuration = try parse(
            plugins: #"NodeAttestor "x509pop" { plugin_data { ca_bundle_paths = ["/a.pem", "/b.pem"] } }"#)
        #expect(configuration.nodeAttestors.x509pop == X509PoPConfiguration(caBundlePaths: ["/a.pem", "/b.pem"]))
        #expect(configuration.nodeAttestors.x509pop?.agentPathTemplate == "/x509pop/{{ .Fingerprint }}")
    }

    @Test("reads x509pop's max_intermediates and max_rsa_key_size (SPIRE's defaults 4 and 8192); zero or less is SPIRE's error")
    func readsX509PoPBounds() throws {
        #expect(try parse(plugins: #"NodeAttestor "x509pop" { plugin_data { ca_bundle_path = "/a.pem" } }"#).nodeAttestors.x509pop.map { [$0.maxIntermediates, $0.maxRSAKeySize] } == [4, 8192])
        let set = try parse(plugins: #"NodeAttestor "x509pop" { plugin_data { ca_bundle_path = "/a.pem" max_intermediates = 2 max_rsa_key_size = 4096 } }"#)
        #expect(set.nodeAttestors.x509pop.map { [$0.maxIntermediates, $0.maxRSAKeySize] } == [2, 4096])
        for key in ["max_intermediates", "max_rsa_key_size"] {
            #expect { _ = try parse(plugins: #"NodeAttestor "x509pop" { plugin_data { ca_bundle_path = "/a.pem" \#(key) = 0 } }"#) } throws: { error in
                (error as? ServerConfigurationError)?.code == .invalidValue && "\(error)".contains("\(key) must be greater than 0")
            }
        }
    }

    @Test(
        "reads a SQLite connection string as a path, dropping a file: URI's query",
        arguments: [
            ("/var/lib/steeple/datastore.sqlite3", "/var/lib/steeple/datastore.sqlite3"),
            ("file:/var/lib/db.sqlite3?_busy_timeout=5000", "/var/lib/db.sqlite3"),
            ("./.data/datastore.sqlite3", "./.data/datastore.sqlite3"),
        ])
    func readsConnectionStrings(_ connection: String, _ path: String) throws {
        let configuration = try parse(
            plugins:
                #"DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "\#(connection)" } }"#)
        #expect(configuration.sqlitePath == path)
    }

    @Test("reads SPIRE's PostgreSQL datastore: both connection strings, max_open_conns; the other pool keys are ignored with a reason")
    func readsPostgres() throws {
        let configuration = try parse(
            plugins: #"""
                DataStore "sql" {
                    plugin_data {
                        database_type = "postgres"
                        connection_string = "dbname=spire user=spire host=db.example.org port=5432 sslmode=verify-full"
                        ro_connection_string = "postgresql://spire@replica.example.org/spire?sslmode=require"
                        max_open_conns = 8
                        max_idle_conns = 2
                    }
                }
                """#)
        #expect(configuration.dataStore == .postgres(PostgresDataStoreConfiguration(
            connectionString: "dbname=spire user=spire host=db.example.org port=5432 sslmode=verify-full",
            readOnlyConnectionString: "postgresql://spire@replica.example.org/spire?sslmode=require",
            maxOpenConnections: 8)))
        #expect(configuration.dataStore.isShared)
        #expect(configuration.ignoredSettings.contains { $0.key.hasSuffix("max_idle_conns") })
        #expect(try parse(plugins: #"DataStore "sql" { plugin_data { database_type = "sqlite3" } }"#).dataStore.isShared == false)
    }

    @Test("max_open_conns as SPIRE: 100 when absent, no limit of ours when zero or less", arguments: [
        ("", Optional(100)), ("max_open_conns = 0", nil), ("max_open_conns = -1", nil), ("max_open_conns = 1", 1),
    ] as [(String, Int?)])
    func readsMaxOpenConnections(setting: String, expected: Int?) throws {
        let configuration = try parse(
            plugins: #"DataStore "sql" { plugin_data { database_type = "postgres" connection_string = "dbname=x" \#(setting) } }"#)
        guard case .postgres(let settings) = configuration.dataStore else {
            Issue.record("not PostgreSQL: \(configuration.dataStore)")
            return
        }
        #expect(settings.maxOpenConnections == expected)
    }

    @Test("accepts plugins written as nested blocks, object attributes and labels alike")
    func readsPluginShapes() throws {
        let configuration = try parse(
            plugins: """
                KeyManager { memory {} }
                NodeAttestor = { join_token = {} }
                """)
        #expect(configuration.keyManager == .memory)
        #expect(configuration.nodeAttestors.joinToken)
    }

    @Test("records where each setting came from, for validation messages")
    func recordsSources() throws {
        let configuration = try ServerConfiguration(parsing: ServerConfigurationFixtures.minimal, path: "server.conf")
        #expect(configuration.settingSources["server.bind_port"] == .file(ConfigPosition(line: 4, column: 17)))
        #expect(configuration.settingSources["server.ca_ttl"] == nil)
    }

    @Test("validate() accepts a configuration built in code with the defaults")
    func validatesDefaults() throws {
        let configuration = ServerConfiguration(trustDomain: try TrustDomain("example.org"))
        try configuration.validate()
    }
}

/// The parts of a configuration that do not depend on where in the file each value was written.
func comparable(_ configuration: ServerConfiguration) -> ServerConfiguration {
    var copy = configuration
    copy.settingSources = [:]
    copy.ignoredSettings = []
    copy.configurationFile = nil
    return copy
}

/// A configuration from `server { trust_domain = "example.org" <server> }` and `plugins { <plugins> }`.
func parse(
    server: String = "", plugins: String = "", extra: String = "",
    overrides: ServerConfigurationOverrides = ServerConfigurationOverrides()
) throws(ServerConfigurationError) -> ServerConfiguration {
    let text = """
        server {
            trust_domain = "example.org"
            \(server)
        }
        plugins {
            \(plugins)
        }
        \(extra)
        """
    return try ServerConfiguration(parsing: text, path: "server.conf", overrides: overrides)
}
