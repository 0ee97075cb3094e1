import GRPCCore
import Logging
import SPIREAPIProto
import SteepleLogging

/// SPIRE's agent Logger API (`spire.api.agent.logger.v1.Logger`) on the admin socket: the log level now and at
/// launch, changed and reset at run time through the process's ``LogLevelControl``.
struct AgentLoggerService: Spire_Api_Agent_Logger_V1_Logger.SimpleServiceProtocol {
    let control: LogLevelControl
    let logger: Logger

    func getLogger(request _: Spire_Api_Agent_Logger_V1_GetLoggerRequest, context _: ServerContext) async throws -> Spire_Api_Types_Logger {
        logger.info("GetLogger Called")
        return current()
    }

    func setLogLevel(request: Spire_Api_Agent_Logger_V1_SetLogLevelRequest, context _: ServerContext) async throws -> Spire_Api_Types_Logger {
        guard request.newLevel != .unspecified else {
            throw RPCError(code: .invalidArgument, message: "newLevel value cannot be LogLevel_UNSPECIFIED")
        }
        guard let level = SPIRELogLevel(rawValue: request.newLevel.rawValue) else {
            throw RPCError(code: .invalidArgument, message: "unsupported log level \(request.newLevel.rawValue): expected one of \(SPIRELogLevel.accepted)")
        }
        logger.info("SetLogLevel Called", metadata: ["new_log_level": "\(level.name)"])
        control.level = level
        return current()
    }

    func resetLogLevel(request _: Spire_Api_Agent_Logger_V1_ResetLogLevelRequest, context _: ServerContext) async throws -> Spire_Api_Types_Logger {
        logger.info("ResetLogLevel Called", metadata: ["launch_log_level": "\(control.launchLevel.name)"])
        control.reset()
        return current()
    }

    private func current() -> Spire_Api_Types_Logger {
        var message = Spire_Api_Types_Logger()
        message.currentLevel = Spire_Api_Types_LogLevel(rawValue: control.level.rawValue) ?? .unspecified
        message.launchLevel = Spire_Api_Types_LogLevel(rawValue: control.launchLevel.rawValue) ?? .unspecified
        return message
    }
}
