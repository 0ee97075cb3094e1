public import X509

/// The X.509 authorities (CA certificates) of one trust domain, used to verify X509-SVIDs of that trust
/// domain only (SPEC §2.4, Federation §4.2).
public struct X509Bundle: Sendable, Hashable {
    /// The trust domain whose SVIDs these authorities sign.
    public let trustDomain: TrustDomain
    /// The CA certificates. An empty list means every X509-SVID of the trust domain is invalid (SPEC §4.2).
    public var x509Authorities: [Certificate]

    /// Creates a bundle from certificates.
    public init(trustDomain: TrustDomain, x509Authorities: [Certificate]) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
    }

    /// Parses concatenated DER certificates, the Workload API's bundle encoding (SPEC §6.3).
    ///
    /// - Throws: ``SPIFFEError/Code/malformedCertificate``.
    public init(trustDomain: TrustDomain, derBytes: some Collection<UInt8>) throws(SPIFFEError) {
        self.init(trustDomain: trustDomain, x509Authorities: try Certificate.spiffeParseChain(derBytes: derBytes))
    }

    /// Parses PEM `CERTIFICATE` blocks, as in SPIRE's `bundle show` output.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedPEM`` or ``SPIFFEError/Code/malformedCertificate``.
    public init(trustDomain: TrustDomain, pem: String) throws(SPIFFEError) {
        self.init(trustDomain: trustDomain, x509Authorities: try Certificate.spiffeParsePEM(pem))
    }

    /// The authorities as concatenated DER.
    public var derRepresentation: [UInt8] { x509Authorities.flatMap(\.spiffeDERBytes) }

    /// The authorities as PEM `CERTIFICATE` blocks.
    public var pemRepresentation: String { Certificate.spiffePEM(x509Authorities) }

    /// Whether `certificate` is one of the authorities.
    public func contains(_ certificate: Certificate) -> Bool {
        x509Authorities.contains(certificate)
    }
}
