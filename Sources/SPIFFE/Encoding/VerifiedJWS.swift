/// A JWT (JWS compact serialization) whose signature verified with the key its `kid` names in a ``JWSKeySet``: for
/// tokens that are not JWT-SVIDs, whose `sub` is no SPIFFE ID, such as GCP instance identity tokens and Azure managed
/// identity tokens. The claims are left to the caller, which decodes ``payload``.
///
/// The header is checked less strictly than a JWT-SVID's: `alg` must be one of `algorithms` (checked first), `kid`
/// must be set, and other members (`typ`, `x5t`, …) are ignored.
public struct VerifiedJWS: Sendable {
    /// The `alg` the signature verified with.
    public let algorithm: JWTAlgorithm
    /// The `kid` of the key that verified it.
    public let keyID: String
    /// The payload bytes (the claims set as JSON).
    public let payload: [UInt8]

    /// Parses `token` and verifies its signature.
    ///
    /// - Parameters:
    ///   - token: the JWS compact serialization.
    ///   - keySet: the keys by `kid`.
    ///   - algorithms: the `alg` values accepted, such as `[.rs256]` for GCP.
    /// - Throws: ``SPIFFEError`` with code ``SPIFFEError/Code/malformedJWT``,
    ///   ``SPIFFEError/Code/unsupportedAlgorithm`` (also for an `alg` outside `algorithms`),
    ///   ``SPIFFEError/Code/missingKeyID``, ``SPIFFEError/Code/unknownKeyID``,
    ///   ``SPIFFEError/Code/keyAlgorithmMismatch`` or ``SPIFFEError/Code/invalidSignature``.
    public init(token: String, keySet: JWSKeySet, algorithms: [JWTAlgorithm]) throws(SPIFFEError) {
        let jws = try JWS(compact: token, strictHeader: false)
        guard algorithms.contains(jws.header.algorithm) else {
            throw SPIFFEError(
                code: .unsupportedAlgorithm,
                message: "token alg \(jws.header.algorithm) is not allowed: expected \(algorithms.map(\.name).joined(separator: ", "))"
            )
        }
        guard let key = keySet.keys[jws.header.keyID] else {
            throw SPIFFEError(code: .unknownKeyID, message: "no key with the token's kid \"\(jws.header.keyID.prefix(64))\"")
        }
        try jws.header.algorithm.verify(signature: jws.signature, signingInput: jws.signingInput, publicKey: key)
        self.algorithm = jws.header.algorithm
        self.keyID = jws.header.keyID
        self.payload = jws.payload
    }
}
