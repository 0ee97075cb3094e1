/// An error thrown by the CA: issuing, validating, key storage and rotation.
///
/// Check ``code``; ``message`` is for humans. Equality and hashing consider only ``code``.
package struct CAError: Error, Sendable, CustomStringConvertible {
    /// A stable error code. Its ``description`` never changes.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case invalidParameters
            case unsupportedKeyType
            case invalidCSR
            case ttlNotHonourable
            case authorityExpired
            case issuedCredentialInvalid
            case keyStorage
            case upstreamAuthority
            case jwtSVIDsDisabled
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }
        package var description: String { wrapped.rawValue }

        /// The parameters of a credential are invalid (e.g. a workload ID of another trust domain).
        package static let invalidParameters = Code(.invalidParameters)
        /// A key type name is not one of `ec-p256`, `ec-p384`, `rsa-2048`, `rsa-4096`.
        package static let unsupportedKeyType = Code(.unsupportedKeyType)
        /// A certificate signing request is malformed or its signature does not verify.
        package static let invalidCSR = Code(.invalidCSR)
        /// A requested TTL is longer than the CA's own lifetime could ever cover.
        package static let ttlNotHonourable = Code(.ttlNotHonourable)
        /// The signing authority has expired.
        package static let authorityExpired = Code(.authorityExpired)
        /// A credential the CA just built failed its own validation and was not released.
        package static let issuedCredentialInvalid = Code(.issuedCredentialInvalid)
        /// A key could not be read or written by the key manager.
        package static let keyStorage = Code(.keyStorage)
        /// The upstream authority's files or chain are unusable.
        package static let upstreamAuthority = Code(.upstreamAuthority)
        /// The server is configured with `disable_jwt_svids = true`.
        package static let jwtSVIDsDisabled = Code(.jwtSVIDsDisabled)
    }

    package var code: Code
    package var message: String
    package var cause: (any Error & Sendable)?

    package init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package var description: String {
        if let cause { return "\(code): \(message) (caused by: \(cause))" }
        return "\(code): \(message)"
    }
}

extension CAError: Hashable {
    package static func == (lhs: CAError, rhs: CAError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
