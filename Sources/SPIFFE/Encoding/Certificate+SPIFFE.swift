import X509
import SwiftASN1
import _CryptoExtras

extension Certificate {
    /// The certificate's DER encoding.
    package var spiffeDERBytes: [UInt8] {
        var serializer = DER.Serializer()
        // Serializing a parsed or built certificate cannot fail: its fields were encoded or validated before.
        try! serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// Parses concatenated DER certificates (leaf first for chains).
    ///
    /// - Throws: ``SPIFFEError/Code/malformedCertificate`` naming the position of the first bad certificate.
    static func spiffeParseChain(derBytes: some Collection<UInt8>) throws(SPIFFEError) -> [Certificate] {
        let bytes = Array(derBytes)
        var certificates: [Certificate] = []
        for (position, slice) in try DERSequenceSplitter.split(bytes[...]).enumerated() {
            do {
                certificates.append(try Certificate(derEncoded: slice))
            } catch {
                throw SPIFFEError(
                    code: .malformedCertificate,
                    message: "certificate \(position) is not a valid DER X.509 certificate",
                    cause: error
                )
            }
        }
        return certificates
    }

    /// Parses every `CERTIFICATE` block of PEM text, in order.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedPEM`` when there is no such block or one is malformed,
    ///   ``SPIFFEError/Code/malformedCertificate`` when a block is not a certificate.
    static func spiffeParsePEM(_ pem: String) throws(SPIFFEError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw SPIFFEError(code: .malformedPEM, message: "PEM text is malformed", cause: error)
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw SPIFFEError(
                    code: .malformedCertificate,
                    message: "CERTIFICATE block \(certificates.count) is not a valid X.509 certificate",
                    cause: error
                )
            }
        }
        guard !certificates.isEmpty else {
            throw SPIFFEError(code: .malformedPEM, message: "PEM text has no CERTIFICATE block")
        }
        return certificates
    }

    /// PEM text for certificates, one `CERTIFICATE` block each.
    static func spiffePEM(_ certificates: [Certificate]) -> String {
        certificates.map { PEMDocument(type: "CERTIFICATE", derBytes: $0.spiffeDERBytes).pemString + "\n" }.joined()
    }
}

extension Certificate.PrivateKey {
    /// The key as an unencrypted PKCS#8 `PRIVATE KEY` document, the only key encoding the Workload API allows
    /// (SPEC §6.3). swift-crypto writes EC keys as PKCS#8 already and RSA keys as PKCS#1, which is re-wrapped here.
    var spiffePKCS8: PEMDocument {
        // Serializing P-256/P-384/P-521/RSA keys cannot fail; X509SVID accepts no other kind.
        let document = try! serializeAsPEM()
        guard document.discriminator == "RSA PRIVATE KEY" else { return document }
        let rsa = try! _RSA.Signing.PrivateKey(derRepresentation: document.derBytes)
        return try! PEMDocument(pemString: rsa.pkcs8PEMRepresentation)
    }
}
