/// A configuration file or flag the agent cannot run with. The message names the key (and the file position when
/// known) and says what would be right.
public struct AgentConfigurationError: Error, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Stable, machine-readable kinds of failure; never renamed or reused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ name: String) { description = name }

        public static let unreadable = Code("unreadable")
        public static let syntax = Code("syntax")
        public static let unknownKey = Code("unknownKey")
        public static let missingKey = Code("missingKey")
        public static let invalidValue = Code("invalidValue")
        public static let conflict = Code("conflict")
        public static let unsupported = Code("unsupported")
    }
}
