/// An error thrown by the ``SteepleConfig`` module, for a file that does not parse or a value that does not fit.
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases.
/// The message starts with the file position (`line 4, column 12: …`) when one is known, and names what was found
/// and what would be right. Equality and hashing consider only ``code``.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    package var code: Code
    /// A lowercase, human-readable explanation that starts with the position when one is known.
    package var message: String
    /// Where in the configuration file the problem is, when known.
    package var position: ConfigPosition?
    /// The Swift source file that threw the error.
    package var file: String
    /// The Swift source line that threw the error.
    package var line: Int

    /// Creates an error; the message is prefixed with the position when one is given.
    /// - Parameters:
    ///   - code: The stable kind of failure.
    ///   - position: Where in the configuration file the problem is.
    ///   - message: What was found and what would be right, without the position.
    ///   - file: The Swift source file that throws; leave the default.
    ///   - line: The Swift source line that throws; leave the default.
    package init(
        code: Code,
        at position: ConfigPosition?,
        _ message: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.position = position
        if let position {
            self.message = "\(position): \(message)"
        } else {
            self.message = message
        }
        self.file = file
        self.line = line
    }

    /// `code: message`, for logs and CLI output.
    package var description: String { "\(code): \(message)" }
}

extension ConfigError: Hashable {
    /// Two errors are equal when their codes are equal.
    package static func == (lhs: ConfigError, rhs: ConfigError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension ConfigError {
    /// A stable error code. Its ``description`` is part of the contract (logs, CLI output, docs):
    /// codes are never renamed or reused.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case syntax
            case duplicateKey
            case unknownKey
            case typeMismatch
            case missingKey
            case invalidValue
            case invalidDuration
            case unsupportedKey
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        /// The stable name of the code, such as `duplicateKey`.
        package var description: String { wrapped.rawValue }

        /// The text is not well-formed HCL or JSON (also: invalid UTF-8, nesting too deep).
        package static let syntax = Code(.syntax)
        /// An attribute key appears twice in one body, or a single block appears more than once.
        package static let duplicateKey = Code(.duplicateKey)
        /// A body holds a key its consumer does not support.
        package static let unknownKey = Code(.unknownKey)
        /// A value has the wrong kind, such as a list where a string is expected.
        package static let typeMismatch = Code(.typeMismatch)
        /// A required key is absent.
        package static let missingKey = Code(.missingKey)
        /// A value has the right kind but unusable content, such as `"80x1"` for a port or an integer overflow.
        package static let invalidValue = Code(.invalidValue)
        /// A string is not a Go duration such as `1h30m` (`time.ParseDuration` syntax, which SPIRE uses).
        package static let invalidDuration = Code(.invalidDuration)
        /// A key SPIRE defines that Steeple does not implement yet (not a typo: the message says so and what to do).
        package static let unsupportedKey = Code(.unsupportedKey)
    }
}
