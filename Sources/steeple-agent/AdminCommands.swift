import ArgumentParser
import Foundation
import GRPCCore
import SPIREAPIProto
import SteepleAgent
import SteepleCLI
import SteepleConfig
import SteepleLogging
import SteepleServerAPIProto
import SwiftProtobuf

/// `-socketPath` and `-output` of the admin-socket commands, as SPIRE's agent CLI spells them.
struct AdminSocketOptions: ParsableArguments {
    @Option(name: .spire("socketPath"), help: "Path to the agent's admin API socket (admin_socket_path).")
    var socketPath = AgentConfiguration.defaultAdminSocketPath
    @Option(name: .spire("output"), help: "pretty (default) or json: the response message as SPIRE prints it.")
    var output: APIOutputFormat = .pretty

    /// Prints the response: pretty with `pretty`, or SPIRE's JSON (protojson with the proto field names, on one line).
    /// swift-protobuf 1.39 cannot emit fields at their default value, which SPIRE's `EmitUnpopulated` does: a zero
    /// count is absent here rather than `0`.
    func print(_ message: some SwiftProtobuf.Message, pretty: () -> String) throws {
        switch output {
        case .pretty:
            Swift.print(pretty(), terminator: "")
        case .json:
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            Swift.print(try message.jsonString(options: options))
        }
    }

    /// SPIRE's failure: `Error: <context>: rpc error: code = … desc = …` on standard error, exit status 1.
    static func fail(_ context: String?, _ error: any Error) -> ExitCode {
        let described = (error as? RPCError)?.goDescription ?? "\(error)"
        FileHandle.standardError.write(Data("Error: \(context.map { $0 + ": " } ?? "")\(described)\n".utf8))
        return ExitCode.failure
    }
}

/// `steeple-agent debug getinfo`, as `spire-agent debug getinfo`.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug", abstract: "Debug information from the agent's admin socket.", subcommands: [DebugGetInfoCommand.self, DebugExplainCommand.self])
}

/// `steeple-agent debug explain -pid N` (Steeple's own): the process's selectors, as the Workload API would find them
/// for it, against every entry the agent holds; each matched, or with the selectors the process lacks; whether an
/// SVID is ready or the server refused one; and whether the agent can serve at all.
struct DebugExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explains which identities a process gets from this agent, and why it gets no others.")

    @Option(name: .spire("pid"), help: "The process to explain (attested as a Workload API caller would be).")
    var pid: Int32?
    @Option(name: .spire("selector"), help: "Explain these selectors (type:value, repeatable) instead of a process's.")
    var selectors: [String] = []
    @OptionGroup var options: AdminSocketOptions

    func run() async throws {
        guard pid != nil || !selectors.isEmpty else {
            throw AdminSocketOptions.fail(nil, ValidationError("give the process to explain (-pid N) or a workload's selectors (-selector type:value)"))
        }
        var request = Steeple_Server_V1_ExplainRequest()
        request.pid = pid ?? 0
        request.selectors = selectors
        let sent = request
        let response: Steeple_Server_V1_ExplainResponse
        do {
            response = try await AgentAdminClient.explain(socketPath: options.socketPath, request: sent)
        } catch {
            throw AdminSocketOptions.fail(nil, error)
        }
        try options.print(response) { response.text }
    }
}

struct DebugGetInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "getinfo", abstract: "Prints debug information about the agent.")

    @OptionGroup var options: AdminSocketOptions

    func run() async throws {
        let info: Spire_Agent_Debug_V1_GetInfoResponse
        do {
            info = try await AgentAdminClient.getInfo(socketPath: options.socketPath)
        } catch {
            throw AdminSocketOptions.fail(nil, error)
        }
        try options.print(info) { Self.pretty(info) }
    }

    /// SPIRE's layout.
    static func pretty(_ info: Spire_Agent_Debug_V1_GetInfoResponse) -> String {
        var text = "Agent Debug Info:\n"
        text += "  Uptime:                          \(GoDuration.format(.seconds(Int64(info.uptime))))\n"
        text += "  Last Sync Success:               \(info.lastSyncSuccess == 0 ? "(never)" : rfc3339(info.lastSyncSuccess))\n"
        text += "  Cached X.509 SVIDs:              \(info.cachedX509SvidsCount)\n"
        text += "  Cached JWT SVIDs:                \(info.cachedJwtSvidsCount)\n"
        text += "  Cached SVID Store X.509 SVIDs:   \(info.cachedSvidstoreX509SvidsCount)\n"
        if !info.svidChain.isEmpty {
            text += "  SVID Chain:\n"
            for (index, cert) in info.svidChain.enumerated() {
                let id = cert.hasID ? "spiffe://\(cert.id.trustDomain)\(cert.id.path)" : "(none)"
                text += "    [\(index)] SPIFFE ID:  \(id)\n"
                text += "        Subject:    \(cert.subject)\n"
                text += "        Expires At: \(rfc3339(cert.expiresAt))\n"
            }
        }
        return text
    }

    static func rfc3339(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// `steeple-agent logger get|set|reset`, as `spire-agent logger …`.
struct LoggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logger", abstract: "Reads and changes the agent's log level at run time.",
        subcommands: [LoggerGetCommand.self, LoggerSetCommand.self, LoggerResetCommand.self])
}

struct LoggerGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Gets the logger details.")

    @OptionGroup var options: AdminSocketOptions

    func run() async throws {
        let logger: Spire_Api_Types_Logger
        do {
            logger = try await AgentAdminClient.getLogger(socketPath: options.socketPath)
        } catch {
            throw AdminSocketOptions.fail("error fetching logger", error)
        }
        try options.print(logger) { logger.pretty }
    }
}

struct LoggerSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Sets the logger details.")

    @OptionGroup var options: AdminSocketOptions
    @Option(name: .spire("level"), help: "The new log level, one of (panic, fatal, error, warn, info, debug, trace).")
    var level = ""

    func run() async throws {
        guard !level.isEmpty else {
            FileHandle.standardError.write(Data("Error: a value (-level) must be set\n".utf8))
            throw ExitCode.failure
        }
        guard let parsed = SPIRELogLevel(name: level), let apiLevel = Spire_Api_Types_LogLevel(rawValue: parsed.rawValue) else {
            FileHandle.standardError.write(Data("Error: the value \"\(level)\" is not a valid setting: expected one of \(SPIRELogLevel.accepted)\n".utf8))
            throw ExitCode.failure
        }
        let logger: Spire_Api_Types_Logger
        do {
            logger = try await AgentAdminClient.setLogLevel(socketPath: options.socketPath, level: apiLevel)
        } catch {
            throw AdminSocketOptions.fail("failed to set log level", error)
        }
        try options.print(logger) { logger.pretty }
    }
}

struct LoggerResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Reset the logger details to launch level.")

    @OptionGroup var options: AdminSocketOptions

    func run() async throws {
        let logger: Spire_Api_Types_Logger
        do {
            logger = try await AgentAdminClient.resetLogLevel(socketPath: options.socketPath)
        } catch {
            throw AdminSocketOptions.fail("failed to reset logger", error)
        }
        try options.print(logger) { logger.pretty }
    }
}
