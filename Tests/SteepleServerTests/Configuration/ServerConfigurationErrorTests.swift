import FoundationEssentials
import SteepleConfig
import SteepleServer
import Testing

/// One test per error code; the tables hold the cases of each code. Errors are checked by code and line, never by
/// message text.
@Suite("Server configuration errors")
struct ServerConfigurationErrorTests {
    /// Parses `text` as server.conf, expecting an error.
    private func error(_ text: String, path: String = "server.conf") -> ServerConfigurationError? {
        #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration(parsing: text, path: path)
        }
    }

    @Test(
        "reports text that is not HCL or JSON as syntax, at its line",
        arguments: [
            ("server {\n  trust_domain = \n}", 3),
            ("server {\n  trust_domain = \"example.org\"\n", 3),
            ("{\"server\": {\"trust_domain\": }}", 1),
        ])
    func syntax(_ text: String, _ line: Int) {
        let error = error(text)
        #expect(error?.code == .syntax)
        #expect(error?.position?.line == line)
        #expect(error?.cause is ConfigError)
    }

    @Test(
        "reports a key that is neither supported nor ignored as unknownKey, at its line",
        arguments: [
            ("servr {\n trust_domain = \"example.org\"\n}", 1),
            (conf(server: "trust_domian = \"x\""), 3),
            (conf(server: "default_svid_ttl = \"1h\""), 3),
            (conf(server: "ca_subject { state = \"CA\" }"), 3),
            (conf("health_checks {\n  port = 80\n}"), 6),
            (conf("plugins {\n  KeyManager \"disk\" {\n    plugin_dta {}\n  }\n}"), 7),
            (conf("plugins {\n  KeyManager \"disk\" { plugin_data {\n    key_path = \"k\"\n  } }\n}"), 7),
            (conf("plugins {\n  KeyManager \"memory\" { plugin_data {\n    keys_path = \"k\"\n  } }\n}"), 7),
            (conf("plugins {\n  NodeAttestor \"join_token\" { plugin_data {\n    ttl = 1\n  } }\n}"), 7),
            (conf("plugins {\n  DataStore \"sql\" { plugin_data {\n    read_only_connection_string = \"x\"\n  } }\n}"), 7),
        ])
    func unknownKey(_ text: String, _ line: Int) {
        let error = error(text)
        #expect(error?.code == .unknownKey)
        #expect(error?.position?.line == line)
    }

    @Test(
        "reports an absent required key as missingKey",
        arguments: [
            "plugins { NodeAttestor \"join_token\" {} }",
            "server { data_dir = \"/tmp\" }",
            "{\"server\": {\"bind_port\": 8081}}",
            conf("plugins { UpstreamAuthority \"disk\" { plugin_data { cert_file_path = \"c\" } } }"),
            conf("plugins { UpstreamAuthority \"disk\" { plugin_data { key_file_path = \"k\" } } }"),
            conf("plugins { NodeAttestor \"x509pop\" { plugin_data {} } }"),
            conf("plugins { DataStore \"sql\" { plugin_data { database_type = \"postgres\" } } }"),
        ])
    func missingKey(_ text: String) {
        #expect(error(text)?.code == .missingKey)
    }

    @Test(
        "reports a value that does not fit as invalidValue, naming its line",
        arguments: [
            ("trust_domain = \"Example.org\"", 2),  // uppercase: SPIFFE-ID §2.1
            ("ca_ttl = \"24 hours\"", 3),
            ("ca_ttl = \"0s\"", 3),
            ("default_x509_svid_ttl = \"-1h\"", 3),
            ("default_jwt_svid_ttl = \"0\"", 3),
            ("agent_ttl = \"0s\"", 3),
            ("bind_port = 65536", 3),
            ("bind_port = -1", 3),
            ("bind_port = \"80x1\"", 3),
            ("bind_port = true", 3),
            ("ca_key_type = \"ec-p521\"", 3),
            ("jwt_key_type = \"rsa-1024\"", 3),
            ("log_level = \"LOUD\"", 3),
            ("log_format = \"xml\"", 3),
            ("data_dir = \"\"", 3),
            ("bind_address = \"\"", 3),
            ("socket_path = \"/\(String(repeating: "s", count: 120)).sock\"", 3),
            ("ca_subject { country = [\"Ü\"] }", 3),
            ("trust_domain = [\"example.org\"]", 2),
        ])
    func invalidValue(_ server: String, _ line: Int) {
        let text =
            server.hasPrefix("trust_domain")
            ? "server {\n    \(server)\n}" : conf(server: server)
        let error = error(text)
        #expect(error?.code == .invalidValue)
        if line > 0 {
            #expect(error?.position?.line == line)
        } else {
            #expect(error?.position == nil)
        }
    }

    @Test(
        "reports invalid values in plugins and health checks as invalidValue",
        arguments: [
            "plugins { DataStore \"sql\" { plugin_data { database_type = \"sqlite\" } } }",
            "plugins { DataStore \"sql\" { plugin_data { database_type = \"postgres\" connection_string = \"dbname=x sslmode=sometimes\" } } }",
            "plugins { DataStore \"sql\" { plugin_data { database_type = \"postgres\" connection_string = \"dbname=x\" ro_connection_string = \"colour=blue\" } } }",
            "plugins { NodeAttestor \"x509pop\" { plugin_data {\n ca_bundle_path = \"/a\"\n"
                + " ca_bundle_paths = [\"/b\"] } } }",
            "plugins { NodeAttestor \"x509pop\" { plugin_data { ca_bundle_paths = [] } } }",
            "plugins { NodeAttestor \"x509pop\" { plugin_data {\n ca_bundle_path = \"/a\"\n"
                + " agent_path_template = \"\" } } }",
            "plugins { KeyManager \"disk\" { enabled = \"maybe\" } }",
            "plugins { DataStore = \"sql\" }",
            "health_checks { bind_port = 70000 }",
            "health_checks { live_path = \"live\" }",
            "health_checks { listener_enabled = \"yes\" }",
        ])
    func invalidPluginValue(_ rest: String) {
        #expect(error(conf(rest))?.code == .invalidValue)
    }

    @Test(
        "reports a second block or plugin where one is allowed as duplicate, at the second one",
        arguments: [
            ("plugins {\n  DataStore \"sql\" {}\n  DataStore \"sql\" {}\n}", 7),
            ("plugins {\n  KeyManager \"disk\" {}\n  KeyManager \"memory\" {}\n}", 7),
            ("plugins {\n  NodeAttestor \"join_token\" {}\n  NodeAttestor \"join_token\" {}\n}", 7),
            (
                "plugins {\n  UpstreamAuthority \"disk\" { plugin_data { cert_file_path = \"c\"\n key_file_path = \"k\" } }\n"
                    + "  UpstreamAuthority \"disk\" {}\n}", 8
            ),
            ("server {\n  bind_port = 1\n}", 5),
        ])
    func duplicate(_ rest: String, _ line: Int) {
        let error = error(conf(rest))
        #expect(error?.code == .duplicate)
        #expect(error?.position?.line == line)
    }

    @Test("reports an attribute set twice in one body as duplicate")
    func duplicateAttribute() {
        #expect(error("server {\n trust_domain = \"a.org\"\n trust_domain = \"b.org\"\n}")?.code == .duplicate)
    }

    @Test(
        "reports a plugin type or name Steeple does not have, or an external plugin, as unsupportedPlugin",
        arguments: [
            ("plugins {\n  KeyManager \"aws_kms\" {}\n}", 6),
            ("plugins {\n  Notifier \"gcs_bundle\" {}\n}", 6),
            ("plugins {\n  NodeAttestor \"tpm_devid\" { plugin_data {} }\n}", 6),
            ("plugins {\n  BundlePublisher \"aws_s3\" {}\n}", 6),
            ("plugins {\n  KeyManager \"mine\" {\n    plugin_cmd = \"/usr/bin/km\"\n  }\n}", 7),
            ("plugins {\n  KeyManager \"disk\" {\n    plugin_checksum = \"abc\"\n  }\n}", 7),
        ])
    func unsupportedPlugin(_ rest: String, _ line: Int) {
        let error = error(conf(rest))
        #expect(error?.code == .unsupportedPlugin)
        #expect(error?.position?.line == line)
    }

    @Test(
        "reports a SPIRE setting Steeple does not support yet as unsupportedValue",
        arguments: [
            "plugins { DataStore \"sql\" { plugin_data { database_type = \"mysql\" connection_string = \"x\" } } }",
            "plugins { DataStore \"sql\" { plugin_data {\n database_type \"aws_postgres\" { region = \"x\" }\n} } }",
            "plugins { NodeAttestor \"x509pop\" { plugin_data { mode = \"spiffe\" } } }",
        ])
    func unsupportedValue(_ rest: String) {
        #expect(error(conf(rest))?.code == .unsupportedValue)
    }

    @Test("plugin_data_file: the file's HCL is the plugin's data; a missing file is Go's error; both forms at once are refused")
    func pluginDataFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-pdf-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "ca_bundle_path = \"/etc/ca.pem\"\nagent_path_template = \"/x509pop/{{ .Subject.CommonName }}\"\n"
            .write(toFile: dir + "/x509pop.conf", atomically: true, encoding: .utf8)
        let read = try ServerConfiguration(
            parsing: conf(#"plugins { NodeAttestor "x509pop" { plugin_data_file = "\#(dir)/x509pop.conf" } }"#), path: "server.conf")
        #expect(read.nodeAttestors.x509pop?.caBundlePaths == ["/etc/ca.pem"])
        #expect(read.nodeAttestors.x509pop?.agentPathTemplate == "/x509pop/{{ .Subject.CommonName }}")

        let missing = error(conf(#"plugins { KeyManager "disk" { plugin_data_file = "\#(dir)/absent.conf" } }"#))
        #expect(missing?.message.contains("failed to read plugin configuration: open \(dir)/absent.conf: no such file or directory") == true, "\(String(describing: missing))")
        let both = error(conf(#"plugins { KeyManager "disk" { plugin_data {} plugin_data_file = "\#(dir)/x509pop.conf" } }"#))
        #expect(both?.message.contains("keep one") == true)
    }

    @Test("every plugin's error is reported, not only the first (as SPIRE's validate)")
    func everyPluginError() {
        let text = conf(#"plugins { NodeAttestor "x509pop" { plugin_data {} } UpstreamAuthority "disk" { plugin_data {} } }"#)
        let message = error(text)?.message ?? ""
        #expect(message.contains("ca_bundle_path"), "\(message)")
        #expect(message.contains("'cert_file_path' and 'key_file_path' must be set and not empty"), "\(message)")
    }

    @Test("reads disable_jwt_svids (false by default)")
    func disableJWTSVIDs() throws {
        #expect(try ServerConfiguration(parsing: conf(server: "disable_jwt_svids = true"), path: "server.conf").disableJWTSVIDs)
        #expect(try !ServerConfiguration(parsing: conf(server: "disable_jwt_svids = false"), path: "server.conf").disableJWTSVIDs)
        #expect(try !ServerConfiguration(parsing: conf(), path: "server.conf").disableJWTSVIDs)
    }

    @Test("reports a configuration file that cannot be read as io")
    func io() throws {
        let missing = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/server.conf"
        let error = #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration(contentsOfFile: missing)
        }
        #expect(error?.code == .io)
        let directory = #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration(contentsOfFile: FileManager.default.temporaryDirectory.path)
        }
        #expect(directory?.code == .io)
    }

    @Test("places file errors at their position and compares errors by code only")
    func positionsAndEquality() {
        let first = error(conf(server: "bind_port = 70000"), path: "/etc/steeple/server.conf")
        #expect(first?.position == ConfigPosition(line: 3, column: 17))
        #expect(first == ServerConfigurationError(.invalidValue, "other"))
        #expect(first != ServerConfigurationError(.syntax, "other"))
    }
}

/// A server.conf whose `server` block holds a trust domain (line 2) and `server` (line 3), then `rest` from line 5.
private func conf(server: String = "", _ rest: String = "") -> String {
    "server {\n    trust_domain = \"example.org\"\n    \(server)\n}\n\(rest)"
}
