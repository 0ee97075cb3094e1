import Foundation
import SteepleTestSupport
import Testing

/// Issue #13's silent success, through the real executables: an unknown single-dash word holding an `h` was read as a
/// bundle of short flags including `-h`, so the command printed its help and exited 0 having done nothing.
@Suite("Unknown flags and commands fail on the real executables")
struct UnknownFlagEndToEndTests {
    @Test("an unknown flag exits 1 with Go's message on stderr, nothing on stdout; no server is needed to find out",
          arguments: [
              // -disableX509SVIDPrefetch was the issue's example; it is a known flag now, so another word holding an `h`.
              ("steeple-server", ["entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID", "spiffe://example.org/a",
                                  "-selector", "unix:uid:1", "-disableX509SVIDCaching", "-socketPath", "/tmp/none.sock"], "-disableX509SVIDCaching"),
              ("steeple-server", ["entry", "show", "-nosuchflag"], "-nosuchflag"),
              ("steeple-server", ["healthcheck", "--nosuchflag"], "--nosuchflag"),
              ("steeple-agent", ["run", "-disableWorkloadAPIhh"], "-disableWorkloadAPIhh"),
              ("steeple-agent", ["api", "fetch", "x509", "-nosuchflag", "-socketPath", "/tmp/none.sock"], "-nosuchflag"),
          ])
    func unknownFlag(_ executable: String, _ arguments: [String], _ flag: String) async throws {
        let output = try await runBuiltExecutable(executable, arguments)
        #expect(output.status == 1)
        #expect(output.stdout.isEmpty, "printed \(output.stdout.prefix(200))")
        #expect(output.stderr.contains("flag provided but not defined: \(flag)"), "stderr: \(output.stderr)")
    }

    @Test("a subcommand that does not exist exits 1 naming it and the ones that do")
    func unknownSubcommand() async throws {
        let output = try await runBuiltExecutable("steeple-agent", ["api", "fetch", "bundles", "-socketPath", "/tmp/none.sock"])
        #expect(output.status == 1)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains(#"unknown command "bundles" for "steeple-agent api fetch": use one of x509, jwt"#), "stderr: \(output.stderr)")
    }

    @Test("help still answers -h, -help and --help alone, on stdout with status 0", arguments: ["-h", "-help", "--help"])
    func help(_ flag: String) async throws {
        let output = try await runBuiltExecutable("steeple-server", ["entry", "create", flag])
        #expect(output.status == 0)
        #expect(output.stdout.contains("USAGE: steeple-server entry create"))
    }
}

/// `validate` on both executables and `--version`, through the real executables, with SPIRE's words.
@Suite("validate and --version on the real executables")
struct ValidateAndVersionEndToEndTests {
    static func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "steeple-validate-\(UUID().uuidString.prefix(8)).conf"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("steeple-agent validate: SPIRE's 'is valid.' with status 0; 'is invalid:' and the error with status 1")
    func agentValidate() async throws {
        let good = try Self.temporaryFile("""
            agent {
                data_dir = "/tmp/steeple-validate-data"
                server_address = "127.0.0.1"
                server_port = "8081"
                trust_domain = "example.org"
                insecure_bootstrap = true
            }
            plugins { KeyManager "disk" {} WorkloadAttestor "unix" {} }
            """)
        let bad = try Self.temporaryFile("agent {\n    trust_domain = \"Example.org\"\n}\n")
        defer { for path in [good, bad] { try? FileManager.default.removeItem(atPath: path) } }

        let valid = try await runBuiltExecutable("steeple-agent", ["validate", "-config", good])
        #expect(valid.status == 0, "stderr: \(valid.stderr)")
        #expect(valid.stdout == "SPIRE agent configuration file is valid.\n")

        let invalid = try await runBuiltExecutable("steeple-agent", ["validate", "-config", bad])
        #expect(invalid.status == 1)
        #expect(invalid.stdout.isEmpty)
        #expect(invalid.stderr.hasPrefix("SPIRE agent configuration file is invalid: "), "stderr: \(invalid.stderr)")
        #expect(invalid.stderr.contains("trust_domain"), "the error names the key: \(invalid.stderr)")

        let missing = try await runBuiltExecutable("steeple-agent", ["validate", "-config", "/nonexistent/agent.conf"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("SPIRE agent configuration file is invalid: "), "stderr: \(missing.stderr)")
    }

    @Test("steeple-server validate: SPIRE's words on both outcomes")
    func serverValidate() async throws {
        let bad = try Self.temporaryFile("server {\n    trust_domain = \"Example.org\"\n}\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let invalid = try await runBuiltExecutable("steeple-server", ["validate", "-config", bad])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.hasPrefix("SPIRE server configuration file is invalid: "), "stderr: \(invalid.stderr)")

        // SPIRE's rotation test configs use a ca_ttl far below six SVID TTLs: valid, with SPIRE's warning.
        let short = try Self.temporaryFile("server {\n    trust_domain = \"example.org\"\n    ca_ttl = \"5m\"\n    default_x509_svid_ttl = \"2m\"\n}\n")
        defer { try? FileManager.default.removeItem(atPath: short) }
        let warned = try await runBuiltExecutable("steeple-server", ["validate", "-config", short])
        #expect(warned.status == 0, "stderr: \(warned.stderr)")
        #expect(warned.stdout == "SPIRE server configuration file is valid.\n")
        #expect(warned.stderr.contains("default_x509_svid_ttl is too high for the configured ca_ttl value."), "stderr: \(warned.stderr)")
    }

    @Test("--version, -version and -v print the version and exit 0 on both, as SPIRE's CLI", arguments: ["steeple-server", "steeple-agent"], ["--version", "-version", "-v"])
    func version(_ executable: String, _ flag: String) async throws {
        let output = try await runBuiltExecutable(executable, [flag])
        #expect(output.status == 0)
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "stdout: \(output.stdout)")
    }
}
