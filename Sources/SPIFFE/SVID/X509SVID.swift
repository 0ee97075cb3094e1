public import X509
import SwiftASN1

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An X509-SVID: a SPIFFE ID, its certificate chain (leaf first) and the leaf's private key (SPEC §2).
///
/// An `X509SVID` is always valid: construction enforces every rule of X509-SVID §2–§4 that go-spiffe and
/// py-spiffe check (exactly one URI SAN with a path, leaf not a CA, critical key usage with digitalSignature and
/// without keyCertSign/cRLSign, signing certificates are CAs with keyCertSign) and that the key matches the leaf.
public struct X509SVID: Sendable {
    /// The SPIFFE ID in the leaf's URI SAN.
    public let id: SPIFFEID
    /// The chain: leaf first, then intermediates (never the root).
    public let certificates: [Certificate]
    /// The leaf's private key.
    public let privateKey: Certificate.PrivateKey
    /// An operator-chosen hint for picking among several SVIDs (Workload API §5.2.1); empty when unset.
    public var hint: String
    /// The chain as concatenated DER, the Workload API's `x509_svid` field (computed once: it is served often).
    public let chainDER: [UInt8]
    /// The key as unencrypted DER PKCS#8, the Workload API's `x509_svid_key` field.
    public let privateKeyDER: [UInt8]

    /// Creates an SVID from parsed certificates and a key, enforcing every rule.
    ///
    /// - Throws: ``SPIFFEError/Code/emptyCertificateChain``, ``SPIFFEError/Code/uriSANCount``,
    ///   ``SPIFFEError/Code/leafIDWithoutPath``, ``SPIFFEError/Code/leafBasicConstraints``,
    ///   ``SPIFFEError/Code/leafKeyUsage``, ``SPIFFEError/Code/signingCertificateConstraints``,
    ///   ``SPIFFEError/Code/privateKeyMismatch``.
    public init(certificates: [Certificate], privateKey: Certificate.PrivateKey, hint: String = "") throws(SPIFFEError) {
        try self.init(certificates: certificates, privateKey: privateKey, hint: hint, chainDER: nil, privateKeyDER: nil)
    }

    /// The designated initializer: `chainDER` and `privateKeyDER`, when the caller already holds those exact
    /// encodings (parsing from the Workload API form), are kept instead of serializing again.
    private init(
        certificates: [Certificate],
        privateKey: Certificate.PrivateKey,
        hint: String,
        chainDER: [UInt8]?,
        privateKeyDER: [UInt8]?
    ) throws(SPIFFEError) {
        let id = try X509SVIDRules.validateChain(certificates)
        guard privateKey.publicKey == certificates[0].publicKey else {
            throw SPIFFEError(
                code: .privateKeyMismatch,
                message: "private key does not match the leaf certificate's public key (\(certificates[0].publicKey))"
            )
        }
        self.id = id
        self.certificates = certificates
        self.privateKey = privateKey
        self.hint = hint
        self.chainDER = chainDER ?? certificates.flatMap(\.spiffeDERBytes)
        self.privateKeyDER = privateKeyDER ?? privateKey.spiffePKCS8.derBytes
    }

    /// Parses the Workload API encoding: concatenated DER certificates (leaf first) and a DER PKCS#8 key (SPEC §6.3).
    ///
    /// - Throws: ``SPIFFEError/Code/malformedCertificate``, ``SPIFFEError/Code/malformedPrivateKey``, or any code of
    ///   ``init(certificates:privateKey:hint:)``.
    public init(chainDER: some Collection<UInt8>, privateKeyDER: some Collection<UInt8>, hint: String = "") throws(SPIFFEError) {
        let certificates = try Certificate.spiffeParseChain(derBytes: chainDER)
        guard !certificates.isEmpty else {
            throw SPIFFEError(code: .emptyCertificateChain, message: "certificate chain is empty: expected the leaf SVID first")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(derBytes: Array(privateKeyDER))
        } catch {
            throw SPIFFEError(
                code: .malformedPrivateKey,
                message: "private key is not an unencrypted DER PKCS#8 key (EC P-256/P-384/P-521 or RSA)",
                cause: error
            )
        }
        // Certificate.PrivateKey(derBytes:) accepts PKCS#8 only, so these bytes are already the served form.
        try self.init(certificates: certificates, privateKey: key, hint: hint, chainDER: Array(chainDER), privateKeyDER: Array(privateKeyDER))
    }

    /// Parses PEM: `CERTIFICATE` blocks (leaf first) and a `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` or
    /// `RSA PRIVATE KEY` block, as written by `api fetch x509 -write` or `x509 mint -write`.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedPEM``, ``SPIFFEError/Code/malformedCertificate``,
    ///   ``SPIFFEError/Code/malformedPrivateKey``, or any code of ``init(certificates:privateKey:hint:)``.
    public init(chainPEM: String, privateKeyPEM: String, hint: String = "") throws(SPIFFEError) {
        let certificates = try Certificate.spiffeParsePEM(chainPEM)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        } catch {
            throw SPIFFEError(
                code: .malformedPrivateKey,
                message: "private key PEM must hold one PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block",
                cause: error
            )
        }
        try self.init(certificates: certificates, privateKey: key, hint: hint)
    }

    /// The leaf certificate.
    public var leaf: Certificate { certificates[0] }

    /// When the leaf stops being valid.
    public var expiresAt: Date { leaf.notValidAfter }

    /// The chain as PEM `CERTIFICATE` blocks.
    public var chainPEM: String { Certificate.spiffePEM(certificates) }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM block.
    public var privateKeyPEM: String { PEMDocument(type: "PRIVATE KEY", derBytes: privateKeyDER).pemString + "\n" }
}

extension X509SVID: Hashable {
    public static func == (lhs: X509SVID, rhs: X509SVID) -> Bool {
        lhs.certificates == rhs.certificates && lhs.privateKey == rhs.privateKey && lhs.hint == rhs.hint
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(certificates)
        hasher.combine(hint)
    }
}
