import Foundation
import SteepleTestSupport
import Testing

/// Issue #13's silent success, through the real executables: an unknown single-dash word holding an `h` was read as a
/// bundle of short flags including `-h`, so the command printed its help and exited 0 having done nothing.
@Suite("Unknown flags and commands fail on the real executables")
struct UnknownFlagEndToEndTests {
    @Test("an unknown flag exits 1 with Go's message on stderr, nothing on stdout; no server is needed to find out",
          arguments: [
              ("steeple-server", ["entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID", "spiffe://example.org/a",
                                  "-selector", "unix:uid:1", "-disableX509SVIDPrefetch"], "-disableX509SVIDPrefetch"),
              ("steeple-server", ["entry", "show", "-nosuchflag"], "-nosuchflag"),
              ("steeple-server", ["healthcheck", "--nosuchflag"], "--nosuchflag"),
              ("steeple-agent", ["run", "-allowUnauthenticatedVerifiers"], "-allowUnauthenticatedVerifiers"),
              ("steeple-agent", ["api", "fetch", "x509", "-nosuchflag", "-socketPath", "/tmp/none.sock"], "-nosuchflag"),
          ])
    func unknownFlag(_ executable: String, _ arguments: [String], _ flag: String) throws {
        let output = try runBuiltExecutable(executable, arguments)
        #expect(output.status == 1)
        #expect(output.stdout.isEmpty, "printed \(output.stdout.prefix(200))")
        #expect(output.stderr.contains("flag provided but not defined: \(flag)"), "stderr: \(output.stderr)")
    }

    @Test("a subcommand that does not exist exits 1 naming it and the ones that do")
    func unknownSubcommand() throws {
        let output = try runBuiltExecutable("steeple-agent", ["api", "fetch", "bundles", "-socketPath", "/tmp/none.sock"])
        #expect(output.status == 1)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains(#"unknown command "bundles" for "steeple-agent api fetch": use one of x509, jwt"#), "stderr: \(output.stderr)")
    }

    @Test("help still answers -h, -help and --help alone, on stdout with status 0", arguments: ["-h", "-help", "--help"])
    func help(_ flag: String) throws {
        let output = try runBuiltExecutable("steeple-server", ["entry", "create", flag])
        #expect(output.status == 0)
        #expect(output.stdout.contains("USAGE: steeple-server entry create"))
    }
}
