/// An error thrown by the ``SPIFFENIOSSL`` module when it cannot make a TLS handler.
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases.
/// Peer verification failures are not thrown here: they fail the handshake (see ``SPIFFEMTLSServerConfiguration``).
public struct SPIFFETLSError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    public var code: Code
    /// A lowercase, human-readable explanation.
    public var message: String
    /// The underlying error, when one caused this failure.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause {
            return "\(code): \(message) (caused by: \(cause))"
        }
        return "\(code): \(message)"
    }
}

extension SPIFFETLSError {
    /// A stable error code. Its ``description`` is part of the public contract: codes are never renamed or reused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case svidUnavailable
            case tlsContextFailed
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        public var description: String { wrapped.rawValue }

        /// The source has no SVID to present (for example an `X509Source` before its first update).
        public static let svidUnavailable = Code(.svidUnavailable)
        /// swift-nio-ssl refused the SVID's certificates or key, or the customized TLS configuration.
        public static let tlsContextFailed = Code(.tlsContextFailed)
    }
}
