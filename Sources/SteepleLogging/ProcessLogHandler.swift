package import Logging

/// The log handler of `steeple-server run` and `steeple-agent run`, from SPIRE's settings: `log_format` (`text` or
/// `json`), `log_level`, `log_source_location`, and `log_file` (standard error when nil).
package enum ProcessLogHandler {
    package static func make(
        label: String, json: Bool, level: Logger.Level, sourceLocation: Bool = false, file: LogFile? = nil
    ) -> any LogHandler {
        let write: @Sendable (String) -> Void = file.map { $0.write } ?? StandardError.write
        var handler: any LogHandler
        if json {
            var json = JSONLogHandler(label: label, write: write)
            json.sourceLocation = sourceLocation
            handler = json
        } else {
            var text = TextLogHandler(label: label, write: write)
            text.sourceLocation = sourceLocation
            handler = text
        }
        handler.logLevel = level
        return handler
    }
}
