/// A failure of the agent's own machinery (attestation, sync, issuance), with a stable code.
public struct AgentError: Error, Sendable, CustomStringConvertible {
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

        public static let attestationFailed = Code("attestationFailed")
        public static let startFailed = Code("startFailed")
    }
}
