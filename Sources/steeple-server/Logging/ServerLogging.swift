import Logging
import SteepleLogging
import SteepleServer

/// Sets up swift-log for `steeple-server run` from `log_level` and `log_format`.
enum ServerLogging {
    /// The label of the server's root logger.
    static let label = "steeple-server"

    /// A handler for the configured format: text (``TextLogHandler``, millisecond timestamps) or one JSON object per
    /// line as SPIRE's logrus writes them (``JSONLogHandler``), both on standard error, at the configured level (or
    /// at `control`'s, which the Logger API changes at run time).
    static func makeHandler(
        label: String, format: LogFormat, level: Logger.Level, sourceLocation: Bool = false, file: LogFile? = nil, control: LogLevelControl? = nil
    ) -> any LogHandler {
        ProcessLogHandler.make(label: label, json: format == .json, level: level, sourceLocation: sourceLocation, file: file, control: control)
    }

    /// Bootstraps the logging system for the process (once, at start) and returns the server's root logger and the
    /// control of its level.
    /// - Throws: ``LogFileError`` when `log_file` cannot be opened for appending.
    static func bootstrap(_ configuration: ServerConfiguration) throws(LogFileError) -> (Logger, LogLevelControl) {
        let format = configuration.logFormat
        let level = configuration.logLevel
        let sourceLocation = configuration.logSourceLocation
        let file = try configuration.logFile.map { path throws(LogFileError) in try LogFile(path: path) }
        let control = LogLevelControl(launchLevel: SPIRELogLevel(level))
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, format: format, level: level, sourceLocation: sourceLocation, file: file, control: control)
        }
        return (Logger(label: label), control)
    }

    /// Logs each accepted-and-ignored key as a warning, with the key and its position as metadata, then SPIRE's TTL
    /// warnings.
    static func logConfigurationWarnings(of configuration: ServerConfiguration, to logger: Logger) {
        for setting in configuration.ignoredSettings {
            var metadata: Logger.Metadata = ["key": "\(setting.key)", "reason": "\(setting.reason)"]
            if let line = setting.line, let column = setting.column {
                metadata["line"] = "\(line)"
                metadata["column"] = "\(column)"
            }
            if let file = configuration.configurationFile {
                metadata["file"] = "\(file)"
            }
            logger.warning("configuration key accepted but ignored", metadata: metadata)
        }
        for warning in configuration.ttlWarnings {
            logger.warning("\(warning)")
        }
    }

    /// `server.conf: line 12, column 5: server.admin_ids is accepted but ignored: <reason>`, for `validate`.
    static func describe(_ setting: IgnoredSetting, in file: String?) -> String {
        var prefix = ""
        if let file { prefix += file + ": " }
        if let line = setting.line, let column = setting.column { prefix += "line \(line), column \(column): " }
        return prefix + "\(setting.key) is accepted but ignored: \(setting.reason)"
    }
}
