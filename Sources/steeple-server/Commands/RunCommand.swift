import ArgumentParser
import SteepleLogging
import Foundation
import Logging
import SteepleCLI
import SteepleServer
import SteepleTelemetry
import SPIFFE

/// `steeple-server run`: reads the configuration, sets up logging and runs the server until SIGINT or SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the server.",
        discussion: """
            Flags are spelled as SPIRE spells them (-config, -trustDomain) and also accepted with two dashes \
            (--config, --trustDomain). Flags take precedence over the configuration file.
            """
    )

    @OptionGroup var options: ServerConfigurationOptions

    /// The configuration from the file named by `-config`, with the flags applied over it, validated.
    /// - Throws: ``ServerConfigurationError``.
    func makeConfiguration() throws -> ServerConfiguration {
        try options.makeConfiguration()
    }

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            StandardError.writeLine("\(error)")
            throw ExitCode.failure
        }
        let logger: Logger
        let control: LogLevelControl
        do {
            (logger, control) = try ServerLogging.bootstrap(configuration)
        } catch {
            StandardError.writeLine("\(error)")
            throw ExitCode.failure
        }
        ServerLogging.logConfigurationWarnings(of: configuration, to: logger)
        let telemetry: Telemetry
        do {
            telemetry = try Telemetry(
                configuration: configuration.telemetry, serviceName: "spire_server", trustDomain: configuration.trustDomain.name,
                version: SteepleVersion.current, logger: logger)
        } catch {
            logger.error("telemetry cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        try await Server(configuration: configuration, logger: logger, logLevelControl: control, telemetry: telemetry).run()
    }
}

/// The flags `run` and `validate` share, as SPIRE's `spire-server run` and `validate` share them. Each is accepted
/// with one dash (`-trustDomain`, SPIRE's spelling) and with two (`--trustDomain`).
struct ServerConfigurationOptions: ParsableArguments {
    @Option(
        name: [.customLong("config", withSingleDash: true), .customLong("config")],
        help: ArgumentHelp("Path to the server configuration file (HCL or JSON).", valueName: "path"))
    var config: String = ServerConfiguration.defaultConfigurationFile

    @Option(
        name: [.customLong("trustDomain", withSingleDash: true), .customLong("trustDomain")],
        help: ArgumentHelp("The trust domain this server belongs to (server.trust_domain).", valueName: "name"))
    var trustDomain: String?

    @Option(
        name: [.customLong("dataDir", withSingleDash: true), .customLong("dataDir")],
        help: ArgumentHelp("Directory to store runtime data in (server.data_dir).", valueName: "path"))
    var dataDir: String?

    @Option(
        name: [.customLong("bindAddress", withSingleDash: true), .customLong("bindAddress")],
        help: ArgumentHelp("IP address or DNS name to listen on (server.bind_address).", valueName: "address"))
    var bindAddress: String?

    @Option(
        name: [.customLong("serverPort", withSingleDash: true), .customLong("serverPort")],
        help: ArgumentHelp("Port of the agent API (server.bind_port).", valueName: "port"))
    var serverPort: Int?

    @Option(
        name: [.customLong("socketPath", withSingleDash: true), .customLong("socketPath")],
        help: ArgumentHelp("Path of the admin API's Unix socket (server.socket_path).", valueName: "path"))
    var socketPath: String?

    @Option(
        name: [.customLong("logLevel", withSingleDash: true), .customLong("logLevel")],
        help: ArgumentHelp("TRACE, DEBUG, INFO, WARN, ERROR, FATAL or PANIC (server.log_level).", valueName: "level"))
    var logLevel: String?

    @Option(
        name: [.customLong("logFormat", withSingleDash: true), .customLong("logFormat")],
        help: ArgumentHelp("text or json (server.log_format).", valueName: "format"))
    var logFormat: String?

    @Option(name: .spire("logFile"), help: ArgumentHelp("File to write logs to instead of standard error (server.log_file).", valueName: "path"))
    var logFile: String?

    @Flag(name: .spire("logSourceLocation"), help: "Include the source file, line number and function in log lines (server.log_source_location).")
    var logSourceLocation = false

    @Flag(
        name: [.customLong("expandEnv", withSingleDash: true), .customLong("expandEnv")],
        help: "Expand $VARIABLE and ${VARIABLE} in the configuration file before parsing it.")
    var expandEnv = false

    /// The values given on the command line.
    var overrides: ServerConfigurationOverrides {
        ServerConfigurationOverrides(
            trustDomain: trustDomain,
            dataDirectory: dataDir,
            bindAddress: bindAddress,
            bindPort: serverPort,
            socketPath: socketPath,
            logLevel: logLevel,
            logFormat: logFormat,
            logFile: logFile,
            logSourceLocation: logSourceLocation
        )
    }

    /// Reads the file, expanding the environment when `-expandEnv` is given, and applies the flags over it.
    /// - Parameter environment: The variables `-expandEnv` expands; the process environment by default.
    /// - Throws: ``ServerConfigurationError``.
    func makeConfiguration(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ServerConfigurationError) -> ServerConfiguration {
        try ServerConfiguration(
            contentsOfFile: config,
            environment: expandEnv ? environment : nil,
            overrides: overrides
        )
    }
}
