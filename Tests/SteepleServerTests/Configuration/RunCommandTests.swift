import ArgumentParser
import Foundation
import Logging
import SPIFFE
import SteepleServer
import Testing

@testable import steeple_server

@Suite("steeple-server run and validate flags")
struct RunCommandTests {
    /// Writes `text` to a fresh file in the temporary directory and returns its path.
    private func write(_ text: String, name: String = "server.conf") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steeple-srvconfig-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    private let fileText = """
        server {
            trust_domain = "file.org"
            data_dir = "/var/lib/file"
            bind_address = "10.0.0.1"
            bind_port = 8081
            socket_path = "/run/file/api.sock"
            log_level = "ERROR"
            log_format = "json"
        }
        """

    @Test("reads the file named by -config")
    func readsConfig() throws {
        let path = try write(fileText)
        let configuration = try RunCommand.parse(["-config", path]).makeConfiguration()
        #expect(configuration.trustDomain.name == "file.org")
        #expect(configuration.bindPort == 8081)
        #expect(configuration.configurationFile == path)
    }

    @Test("applies every flag over the file's values")
    func appliesOverrides() throws {
        let path = try write(fileText)
        let command = try RunCommand.parse([
            "-config", path, "-trustDomain", "x.org", "-dataDir", "/tmp/data", "-bindAddress", "127.0.0.1",
            "-serverPort", "0", "-socketPath", "/tmp/s.sock", "-logLevel", "debug", "-logFormat", "text",
        ])
        let configuration = try command.makeConfiguration()
        #expect(configuration.trustDomain.name == "x.org")
        #expect(configuration.dataDirectory == "/tmp/data")
        #expect(configuration.bindAddress == "127.0.0.1")
        #expect(configuration.bindPort == 0)
        #expect(configuration.socketPath == "/tmp/s.sock")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .text)
        #expect(configuration.settingSources["server.bind_port"] == .flag("-serverPort"))
    }

    @Test(
        "accepts each flag with one dash, as SPIRE spells it, and with two",
        arguments: [
            ["-config", "PATH", "-trustDomain", "x.org"],
            ["--config", "PATH", "--trustDomain", "x.org"],
            ["-config=PATH", "-trustDomain=x.org"],
            ["--config=PATH", "--trustDomain=x.org"],
        ])
    func acceptsBothSpellings(_ arguments: [String]) throws {
        let path = try write(fileText)
        let command = try RunCommand.parse(arguments.map { $0.replacingOccurrences(of: "PATH", with: path) })
        #expect(try command.makeConfiguration().trustDomain.name == "x.org")
    }

    @Test("takes the trust domain from -trustDomain when the file has none")
    func trustDomainFromFlagOnly() throws {
        let path = try write("server { bind_port = 8081 }")
        let configuration = try RunCommand.parse(["-config", path, "-trustDomain", "x.org"]).makeConfiguration()
        #expect(configuration.trustDomain.name == "x.org")
    }

    @Test(
        "validates flag values like file values, naming the flag",
        arguments: [
            ["-trustDomain", "X.org"], ["-serverPort", "70000"], ["-logLevel", "loud"], ["-logFormat", "xml"],
            ["-dataDir", ""], ["-socketPath", ""],
        ])
    func validatesFlags(_ flags: [String]) throws {
        let path = try write(fileText)
        let command = try RunCommand.parse(["-config", path] + flags)
        let error = #expect(throws: ServerConfigurationError.self) { try command.makeConfiguration() }
        #expect(error?.code == .invalidValue)
        #expect(error?.position == nil)
    }

    @Test("expands the environment only with -expandEnv")
    func expandsEnvironment() throws {
        let path = try write(#"server { trust_domain = "${STEEPLE_TEST_TD}" }"#)
        let environment = ["STEEPLE_TEST_TD": "env.org"]
        let expanded = try RunCommand.parse(["-config", path, "-expandEnv"]).options
        #expect(try expanded.makeConfiguration(environment: environment).trustDomain.name == "env.org")
        let literal = try RunCommand.parse(["-config", path]).options
        #expect(throws: ServerConfigurationError.self) { try literal.makeConfiguration(environment: environment) }
    }

    @Test("reports a missing -config file as io")
    func missingFile() throws {
        let command = try RunCommand.parse(["-config", "/nonexistent/steeple/server.conf"])
        let error = #expect(throws: ServerConfigurationError.self) { try command.makeConfiguration() }
        #expect(error?.code == .io)
    }

    @Test("validate takes the same flags")
    func validateFlags() throws {
        let path = try write(fileText)
        let command = try ValidateCommand.parse(["-config", path, "-serverPort", "9000"])
        #expect(try command.options.makeConfiguration().bindPort == 9000)
        try command.run()
    }

    @Test("validate exits with code 1 on an invalid file")
    func validateFails() throws {
        let path = try write("server { trust_domain = \"Bad\" }")
        let command = try ValidateCommand.parse(["-config", path])
        let error = #expect(throws: ExitCode.self) { try command.run() }
        #expect(error == ExitCode.failure)
    }

    @Test("both commands are registered under steeple-server")
    func registered() throws {
        let path = try write(fileText)
        let command = try SteepleServerCommand.parseAsRoot(["validate", "-config", path])
        #expect(command is ValidateCommand)
        #expect(try SteepleServerCommand.parseAsRoot(["run", "--config", path]) is RunCommand)
    }
}
