/// A telemetry sink that cannot start: the message names the setting and what would be right.
public struct TelemetryError: Error, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
