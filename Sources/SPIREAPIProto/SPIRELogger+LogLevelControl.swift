package import GRPCCore
package import SteepleLogging

/// The Logger API of SPIRE's agent and server (`spire.api.{agent,server}.logger.v1.Logger`) over a process's
/// ``LogLevelControl``: both services are this, with their own request types.
extension Spire_Api_Types_Logger {
    /// The current and launch levels.
    package init(_ control: LogLevelControl) {
        self.init()
        currentLevel = Spire_Api_Types_LogLevel(rawValue: control.level.rawValue) ?? .unspecified
        launchLevel = Spire_Api_Types_LogLevel(rawValue: control.launchLevel.rawValue) ?? .unspecified
    }

    /// SPIRE's CLI form: `Logger Level : debug`, `Launch Level : info`, then a blank line.
    package var pretty: String {
        func name(_ level: Spire_Api_Types_LogLevel) -> String {
            SPIRELogLevel(rawValue: level.rawValue)?.name ?? "unknown (\(level.rawValue))"
        }
        return "Logger Level : \(name(currentLevel))\nLaunch Level : \(name(launchLevel))\n\n"
    }
}

extension LogLevelControl {
    /// SetLogLevel: SPIRE's InvalidArgument for an unspecified or unknown level.
    package func set(_ level: Spire_Api_Types_LogLevel) throws(RPCError) -> SPIRELogLevel {
        guard level != .unspecified else {
            throw RPCError(code: .invalidArgument, message: "newLevel value cannot be LogLevel_UNSPECIFIED")
        }
        guard let parsed = SPIRELogLevel(rawValue: level.rawValue) else {
            throw RPCError(code: .invalidArgument, message: "unsupported log level \(level.rawValue): expected one of \(SPIRELogLevel.accepted)")
        }
        self.level = parsed
        return parsed
    }
}
