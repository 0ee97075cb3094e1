/// An error thrown by the ``SPIFFEWorkloadAPI`` module.
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases. When the
/// Workload API server refused a call, ``message`` is the server's own status message (for example SPIRE's
/// `no identity issued`). Equality and hashing consider only ``code``.
public struct WorkloadAPIError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    public var code: Code
    /// A lowercase, human-readable explanation; for a refused RPC, the server's status message.
    public var message: String
    /// The underlying error: the `RPCError` of a failed call, or the `SPIFFEError` of a malformed response.
    public var cause: (any Error & Sendable)?
    /// The source file that threw the error.
    public var file: String
    /// The source line that threw the error.
    public var line: Int

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    public var description: String {
        if let cause {
            return "\(code): \(message) (caused by: \(cause))"
        }
        return "\(code): \(message)"
    }
}

extension WorkloadAPIError: Hashable {
    public static func == (lhs: WorkloadAPIError, rhs: WorkloadAPIError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}
