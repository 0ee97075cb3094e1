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
        return Spire_Api_Types_Logger(control)
    }

    func setLogLevel(request: Spire_Api_Agent_Logger_V1_SetLogLevelRequest, context _: ServerContext) async throws -> Spire_Api_Types_Logger {
        let level = try control.set(request.newLevel)
        logger.info("SetLogLevel Called", metadata: ["new_log_level": "\(level.name)"])
        return Spire_Api_Types_Logger(control)
    }

    func resetLogLevel(request _: Spire_Api_Agent_Logger_V1_ResetLogLevelRequest, context _: ServerContext) async throws -> Spire_Api_Types_Logger {
        logger.info("ResetLogLevel Called", metadata: ["launch_log_level": "\(control.launchLevel.name)"])
        control.reset()
        return Spire_Api_Types_Logger(control)
    }
}
