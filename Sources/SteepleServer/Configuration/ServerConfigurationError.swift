package import SteepleConfig

/// An error thrown while reading or validating a server configuration (`server.conf`, flags).
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases. The
/// message starts with the file and position (`server.conf: line 4, column 5: …`) when they are known, names the key
/// and says what would be right. Equality and hashing consider only ``code``.
package struct ServerConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    package var code: Code
    /// A lowercase, human-readable explanation, prefixed with the file and position when known.
    package var message: String
    /// Where in the configuration file the problem is, when it comes from the file.
    package var position: ConfigPosition?
    /// The underlying error: a ``ConfigError`` for ``Code/syntax`` and the errors mapped from the format layer, a
    /// `SPIFFEError` for a bad trust domain, and so on.
    package var cause: (any Error & Sendable)?
    /// The Swift source file that threw the error.
    package var file: String
    /// The Swift source line that threw the error.
    package var line: Int

    /// Creates an error; the message is prefixed with `path` and `position` when given.
    /// - Parameters:
    ///   - code: The stable kind of failure.
    ///   - position: Where in the configuration file the problem is.
    ///   - path: The configuration file, for the message.
    ///   - message: What was found and what would be right, without the position.
    ///   - cause: The underlying error.
    ///   - file: The Swift source file that throws; leave the default.
    ///   - line: The Swift source line that throws; leave the default.
    package init(
        _ code: Code,
        at position: ConfigPosition? = nil,
        in path: String? = nil,
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.position = position
        self.cause = cause
        var prefix: [String] = []
        if let path, !path.isEmpty { prefix.append(path) }
        if let position { prefix.append(position.description) }
        self.message = prefix.isEmpty ? message : prefix.joined(separator: ": ") + ": " + message
        self.file = file
        self.line = line
    }

    /// Wraps an error of the configuration format, keeping its position and message.
    ///
    /// ``ConfigError/Code/syntax`` maps to ``Code/syntax``, `duplicateKey` to ``Code/duplicate``, `unknownKey` and
    /// `missingKey` to the codes of the same name, and type mismatches, bad values and bad durations to
    /// ``Code/invalidValue``.
    /// - Parameters:
    ///   - error: The format error; its message already starts with the position.
    ///   - path: The configuration file, for the message.
    package init(_ error: ConfigError, in path: String?, file: String = #fileID, line: Int = #line) {
        let code: Code =
            switch error.code {
            case .syntax: .syntax
            case .duplicateKey: .duplicate
            case .unknownKey: .unknownKey
            case .missingKey: .missingKey
            case .unsupportedKey: .unsupportedValue
            default: .invalidValue
            }
        self.init(code, in: path, error.message, cause: error, file: file, line: line)
        self.position = error.position
    }

    /// `code: message`, for logs and CLI output.
    package var description: String { "\(code): \(message)" }
}

extension ServerConfigurationError: Hashable {
    /// Two errors are equal when their codes are equal.
    package static func == (lhs: ServerConfigurationError, rhs: ServerConfigurationError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension ServerConfigurationError {
    /// A stable error code. Its ``description`` is part of the contract (logs, CLI output, docs): codes are never
    /// renamed or reused.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case syntax
            case unknownKey
            case missingKey
            case invalidValue
            case duplicate
            case unsupportedPlugin
            case unsupportedValue
            case io
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        /// The stable name of the code, such as `unknownKey`.
        package var description: String { wrapped.rawValue }

        /// The file is not well-formed HCL or JSON (also: invalid UTF-8, nesting too deep).
        package static let syntax = Code(.syntax)
        /// A key is neither supported nor on the accepted-and-ignored list; the message lists the supported keys.
        package static let unknownKey = Code(.unknownKey)
        /// A required key is absent, such as `trust_domain` or the `cert_file_path` of `UpstreamAuthority "disk"`.
        package static let missingKey = Code(.missingKey)
        /// A value has the wrong kind or unusable content: a bad trust domain, duration, port, key type or log level,
        /// a TTL that is not positive or does not fit in `ca_ttl`.
        package static let invalidValue = Code(.invalidValue)
        /// A block, key or plugin appears more than once where one is allowed, such as two `DataStore` plugins.
        package static let duplicate = Code(.duplicate)
        /// A plugin type or name Steeple does not have, or an external plugin (`plugin_cmd`, `plugin_checksum`).
        package static let unsupportedPlugin = Code(.unsupportedPlugin)
        /// A setting SPIRE accepts that Steeple does not support yet, such as `database_type = "postgres"`.
        package static let unsupportedValue = Code(.unsupportedValue)
        /// The configuration file cannot be read.
        package static let io = Code(.io)
    }
}
