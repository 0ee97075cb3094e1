/// The health listener cannot start or stopped: the message names the address and port and what would be right.
public struct HealthListenerError: Error, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
