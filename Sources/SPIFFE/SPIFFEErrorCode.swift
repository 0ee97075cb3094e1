extension SPIFFEError {
    /// A stable error code. Its ``description`` is part of the public contract (logs, CLI output, docs):
    /// codes are never renamed or reused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case invalidTrustDomain
            case invalidSPIFFEID
            case invalidArgument
            case malformedPEM
            case malformedCertificate
            case malformedPrivateKey
            case unsupportedKeyType
            case emptyCertificateChain
            case uriSANCount
            case leafIDWithoutPath
            case leafBasicConstraints
            case leafKeyUsage
            case signingCertificateConstraints
            case privateKeyMismatch
            case noBundleForTrustDomain
            case certificateNotYetValid
            case certificateExpired
            case untrustedCertificateChain
            case malformedBundle
            case duplicateKeyID
            case malformedJWT
            case unsupportedAlgorithm
            case unexpectedHeader
            case invalidTokenType
            case missingKeyID
            case unknownKeyID
            case keyIDOfOtherTrustDomain
            case keyAlgorithmMismatch
            case invalidSignature
            case invalidSubject
            case missingAudience
            case audienceMismatch
            case missingExpiry
            case tokenExpired
            case tokenNotYetValid
            case tokenIssuedInFuture
            case idNotAuthorized
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        public var description: String { wrapped.rawValue }

        // MARK: Identifiers (SPEC §1)

        /// A trust domain name breaks a rule of SPIFFE-ID §2.1.
        public static let invalidTrustDomain = Code(.invalidTrustDomain)
        /// A SPIFFE ID breaks a rule of SPIFFE-ID §2.
        public static let invalidSPIFFEID = Code(.invalidSPIFFEID)
        /// An argument given by the caller is out of its allowed range.
        public static let invalidArgument = Code(.invalidArgument)
        /// A valid SPIFFE ID is not one that a ``SPIFFEIDMatcher`` authorizes.
        public static let idNotAuthorized = Code(.idNotAuthorized)

        // MARK: Encodings

        /// PEM text has no block of the expected type, or a block is malformed.
        public static let malformedPEM = Code(.malformedPEM)
        /// DER bytes are not a well-formed X.509 certificate.
        public static let malformedCertificate = Code(.malformedCertificate)
        /// Bytes are not a well-formed PKCS#8 private key.
        public static let malformedPrivateKey = Code(.malformedPrivateKey)
        /// The key type is not one SPIFFE credentials use here (EC P-256/P-384/P-521, RSA ≥ 2048 bits).
        public static let unsupportedKeyType = Code(.unsupportedKeyType)

        // MARK: X509-SVID (SPEC §2)

        /// The certificate chain is empty.
        public static let emptyCertificateChain = Code(.emptyCertificateChain)
        /// The leaf does not have exactly one URI SAN holding a SPIFFE ID (X509-SVID §2).
        public static let uriSANCount = Code(.uriSANCount)
        /// The leaf's SPIFFE ID has no path (X509-SVID §3.1).
        public static let leafIDWithoutPath = Code(.leafIDWithoutPath)
        /// The leaf lacks basic constraints or is a CA (X509-SVID §4.1).
        public static let leafBasicConstraints = Code(.leafBasicConstraints)
        /// The leaf's key usage is missing, not critical, lacks digitalSignature, or has keyCertSign/cRLSign
        /// (X509-SVID §4.3).
        public static let leafKeyUsage = Code(.leafKeyUsage)
        /// A certificate after the leaf is not a CA with keyCertSign (X509-SVID §3.2, §4.1, §4.3).
        public static let signingCertificateConstraints = Code(.signingCertificateConstraints)
        /// The private key does not belong to the leaf certificate.
        public static let privateKeyMismatch = Code(.privateKeyMismatch)

        // MARK: Verification

        /// The bundle source has no bundle for the trust domain of the presented SPIFFE ID.
        public static let noBundleForTrustDomain = Code(.noBundleForTrustDomain)
        /// A certificate in the chain is not valid yet at the verification time.
        public static let certificateNotYetValid = Code(.certificateNotYetValid)
        /// A certificate in the chain has expired at the verification time.
        public static let certificateExpired = Code(.certificateExpired)
        /// The chain does not lead to an authority of the trust domain's bundle.
        public static let untrustedCertificateChain = Code(.untrustedCertificateChain)

        // MARK: Bundles (SPEC §4)

        /// A SPIFFE bundle document or a bundle's bytes could not be parsed.
        public static let malformedBundle = Code(.malformedBundle)
        /// Two JWT authorities of one bundle share a key ID.
        public static let duplicateKeyID = Code(.duplicateKeyID)

        // MARK: JWT-SVID (SPEC §3)

        /// The token is not a JWS compact serialization with base64url JSON header and claims.
        public static let malformedJWT = Code(.malformedJWT)
        /// `alg` is not one of the SPIFFE algorithms (JWT-SVID §2.1): `none`, `HS*`, `EdDSA` and others.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The header holds a field other than `alg`, `kid` and `typ` (JWT-SVID §2).
        public static let unexpectedHeader = Code(.unexpectedHeader)
        /// `typ` is present and is neither `JWT` nor `JOSE` (JWT-SVID §2.3).
        public static let invalidTokenType = Code(.invalidTokenType)
        /// The header has no `kid`, so no authority can be chosen.
        public static let missingKeyID = Code(.missingKeyID)
        /// The subject's trust domain bundle has no authority with the token's `kid`.
        public static let unknownKeyID = Code(.unknownKeyID)
        /// The token's `kid` belongs to the bundle of another trust domain than the subject's.
        public static let keyIDOfOtherTrustDomain = Code(.keyIDOfOtherTrustDomain)
        /// The authority's key type does not fit `alg` (e.g. ES256 with a P-384 key).
        public static let keyAlgorithmMismatch = Code(.keyAlgorithmMismatch)
        /// The signature does not verify with the authority's key.
        public static let invalidSignature = Code(.invalidSignature)
        /// `sub` is missing or is not a SPIFFE ID with a path (JWT-SVID §3.1).
        public static let invalidSubject = Code(.invalidSubject)
        /// `aud` is missing or empty (JWT-SVID §3.2).
        public static let missingAudience = Code(.missingAudience)
        /// `aud` lacks an expected audience.
        public static let audienceMismatch = Code(.audienceMismatch)
        /// `exp` is missing (JWT-SVID §3.3).
        public static let missingExpiry = Code(.missingExpiry)
        /// `exp` has passed, beyond the allowed leeway.
        public static let tokenExpired = Code(.tokenExpired)
        /// `nbf` is in the future, beyond the allowed leeway.
        public static let tokenNotYetValid = Code(.tokenNotYetValid)
        /// `iat` is in the future, beyond the allowed leeway.
        public static let tokenIssuedInFuture = Code(.tokenIssuedInFuture)
    }
}
