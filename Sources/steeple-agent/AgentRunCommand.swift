import ArgumentParser
import Foundation
import Logging
import SteepleAgent
import SteepleLogging
import SteepleTelemetry
import SPIFFE
import SteepleCLI

/// `steeple-agent run`: reads `agent.conf`, applies the flags and runs the agent until SIGINT or SIGTERM.
struct AgentRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the agent.",
        discussion: "Flags are spelled as SPIRE spells them (-joinToken) and also accepted with two dashes; they take precedence over the file."
    )

    @OptionGroup var options: AgentConfigurationOptions

    func run() async throws {
        let configuration: AgentConfiguration
        do {
            configuration = try options.makeConfiguration()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        let level = configuration.logLevel
        let json = configuration.logFormat == "json"
        let sourceLocation = configuration.logSourceLocation
        let file: LogFile?
        do {
            file = try configuration.logFile.map { path throws(LogFileError) in try LogFile(path: path) }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        let control = LogLevelControl(launchLevel: SPIRELogLevel(level))
        LoggingSystem.bootstrap { label in
            ProcessLogHandler.make(label: label, json: json, level: level, sourceLocation: sourceLocation, file: file, control: control)
        }
        let logger = Logger(label: "steeple-agent")
        for key in configuration.ignoredKeys {
            logger.warning("configuration key has no effect in Steeple", metadata: ["key": "\(key)"])
        }
        let telemetry: Telemetry
        do {
            telemetry = try Telemetry(
                configuration: configuration.telemetry, serviceName: "spire_agent", trustDomain: configuration.trustDomain.name,
                version: SteepleVersion.current, logger: logger)
        } catch {
            logger.error("telemetry cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        do {
            try await Agent(configuration: configuration, logger: logger, logLevelControl: control, telemetry: telemetry).run()
        } catch {
            // SPIRE's message: scripts grep for it.
            logger.error("Agent crashed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
