/// An error thrown by the ``SPIFFE`` module.
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases.
/// Equality and hashing consider only ``code``.
public struct SPIFFEError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    public var code: Code
    /// A lowercase, human-readable explanation that names what was wrong and what would be right.
    public var message: String
    /// The underlying error, when one caused this failure.
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

extension SPIFFEError: Hashable {
    public static func == (lhs: SPIFFEError, rhs: SPIFFEError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}
