package import Logging

/// The log handler of `steeple-server run` and `steeple-agent run`, from SPIRE's settings: `log_format` (`text` or
/// `json`), `log_level`, `log_source_location`, and `log_file` (standard error when nil). With `control`, the level
/// is the control's, changeable at run time (SPIRE's Logger API); otherwise it is fixed at `level`.
package enum ProcessLogHandler {
    package static func make(
        label: String, json: Bool, level: Logger.Level, sourceLocation: Bool = false, file: LogFile? = nil,
        control: LogLevelControl? = nil
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
        if let control { return ControlledLevelLogHandler(base: handler, control: control) }
        return handler
    }
}
