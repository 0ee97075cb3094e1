package import Logging

/// A log level as SPIRE (logrus) names it, numbered as `spire.api.types.LogLevel`. swift-log has no panic or fatal:
/// both log at `critical`, and the SPIRE name is kept so that what was set is what is read back.
package enum SPIRELogLevel: Int, Sendable, CaseIterable {
    case panic = 1, fatal, error, warn, info, debug, trace

    /// `log_level`, `-logLevel` and `logger set -level` as SPIRE accepts them: logrus's names in any case, and
    /// `warning` for `warn`.
    package init?(name: String) {
        switch name.lowercased() {
        case "panic": self = .panic
        case "fatal": self = .fatal
        case "error": self = .error
        case "warn", "warning": self = .warn
        case "info": self = .info
        case "debug": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }

    /// The level a configured swift-log level stands for (`notice` and `info` are SPIRE's info).
    package init(_ level: Logger.Level) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info, .notice: self = .info
        case .warning: self = .warn
        case .error: self = .error
        case .critical: self = .fatal
        }
    }

    /// logrus's name, as `logger get` prints it.
    package var name: String {
        switch self {
        case .panic: "panic"
        case .fatal: "fatal"
        case .error: "error"
        case .warn: "warning"
        case .info: "info"
        case .debug: "debug"
        case .trace: "trace"
        }
    }

    package var swiftLogLevel: Logger.Level {
        switch self {
        case .panic, .fatal: .critical
        case .error: .error
        case .warn: .warning
        case .info: .info
        case .debug: .debug
        case .trace: .trace
        }
    }

    /// The names `logger set -level` and `log_level` accept, for error messages.
    package static let accepted = "panic, fatal, error, warn, info, debug or trace"
}
