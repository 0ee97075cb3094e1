import ArgumentParser
import GRPCNIOTransportHTTP2
import SPIREAPIProto
import SteepleCLI
import SteepleLogging

/// `steeple-server logger get|set|reset`, as `spire-server logger …`: the running server's log level through SPIRE's
/// server Logger API on the admin socket.
struct LoggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logger", abstract: "Reads and changes the server's log level at run time.",
        subcommands: [LoggerGet.self, LoggerSet.self, LoggerReset.self])

    /// Calls the server's Logger API and prints the answer, pretty or as JSON.
    static func call(
        _ options: AdminOptions,
        _ call: (Spire_Api_Server_Logger_V1_Logger.Client<HTTP2ClientTransport.Posix>) async throws -> Spire_Api_Types_Logger
    ) async throws {
        let logger = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await call(Spire_Api_Server_Logger_V1_Logger.Client(wrapping: grpc))
        }
        switch options.output {
        case .pretty: Console.out(logger.pretty)
        case .json: Console.out(try ProtoJSON.line(logger))
        }
    }
}

struct LoggerGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Gets the logger details.")

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await LoggerCommand.call(options) { try await $0.getLogger(Spire_Api_Server_Logger_V1_GetLoggerRequest()) }
    }
}

struct LoggerSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Sets the logger details.")

    @OptionGroup var options: AdminOptions
    @Option(name: .spire("level"), help: "The new log level, one of (panic, fatal, error, warn, info, debug, trace).")
    var level = ""

    func validate() throws {
        _ = try apiLevel()
    }

    func apiLevel() throws(CLIError) -> Spire_Api_Types_LogLevel {
        guard !level.isEmpty else { throw CLIError("a value (-level) must be set") }
        guard let parsed = SPIRELogLevel(name: level), let apiLevel = Spire_Api_Types_LogLevel(rawValue: parsed.rawValue) else {
            throw CLIError("the value \"\(level)\" is not a valid setting: expected one of \(SPIRELogLevel.accepted)")
        }
        return apiLevel
    }

    func run() async throws {
        var request = Spire_Api_Server_Logger_V1_SetLogLevelRequest()
        request.newLevel = try apiLevel()
        try await LoggerCommand.call(options) { try await $0.setLogLevel(request) }
    }
}

struct LoggerReset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Reset the logger details to launch level.")

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await LoggerCommand.call(options) { try await $0.resetLogLevel(Spire_Api_Server_Logger_V1_ResetLogLevelRequest()) }
    }
}
