package import Logging
import Synchronization

/// The process's log level, changeable while it runs (SPIRE's Logger API: `logger set|reset`). Every handler made
/// by ``ProcessLogHandler`` reads it on each log call, so a change reaches every logger at once, including copies
/// taken before the change.
package final class LogLevelControl: Sendable {
    /// The level the process started with, which `reset` returns to.
    package let launchLevel: SPIRELogLevel
    private let current: Atomic<Int>

    package init(launchLevel: SPIRELogLevel) {
        self.launchLevel = launchLevel
        self.current = Atomic(launchLevel.rawValue)
    }

    package var level: SPIRELogLevel {
        get { SPIRELogLevel(rawValue: current.load(ordering: .relaxed)) ?? launchLevel }
        set { current.store(newValue.rawValue, ordering: .relaxed) }
    }

    package func reset() {
        level = launchLevel
    }
}

/// A handler whose level is the process's ``LogLevelControl``: it wraps the format handler (text or JSON). Setting
/// `logLevel` on one logger is ignored, so no single logger can drift from the level the Logger API reports.
struct ControlledLevelLogHandler: LogHandler {
    var base: any LogHandler
    let control: LogLevelControl

    var logLevel: Logger.Level {
        get { control.level.swiftLogLevel }
        set {}
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        base.log(event: event)
    }
}
