import Crypto
package import SPIFFE
package import X509
package import _CryptoExtras
import SwiftASN1

import Foundation

/// A cloud provider's signing key for tests of the cloud node attestors: it signs GCP and Azure identity tokens
/// (RS256 JWTs) and AWS instance identity documents (RSA PKCS #1 v1.5 with SHA-256), and publishes its public key as
/// a JWK Set, as Google's PEM-certificates-by-kid document, and as a PEM certificate.
package struct TestCloudIssuer: Sendable {
    package let keyID: String
    package let privateKey: _RSA.Signing.PrivateKey
    package let certificate: Certificate

    package init(keyID: String = "test-key-\(UInt32.random(in: 0...UInt32.max))") throws {
        self.keyID = keyID
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        privateKey = key
        let name = try DistinguishedName { CommonName("test cloud issuer \(keyID)") }
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400, issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    /// `{"keys":[{"kty":"RSA","kid":…,"use":"sig","alg":"RS256","n":…,"e":…}]}`.
    package var jwksJSON: String {
        let primitives = try! privateKey.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(Array(primitives.modulus))
        let e = Base64URL.encode(Array(primitives.publicExponent))
        return #"{"keys":[{"kty":"RSA","kid":"\#(keyID)","use":"sig","alg":"RS256","n":"\#(n)","e":"\#(e)"}]}"#
    }

    /// The private key in PKCS #8 PEM, as a GCP service account key file holds it.
    package var privateKeyPKCS8PEM: String { privateKey.pkcs8PEMRepresentation }

    /// The public key as a key set of one, under ``keyID``.
    package var keySet: JWSKeySet { JWSKeySet(keys: [keyID: certificate.publicKey]) }

    /// The certificate in PEM.
    package var certificatePEM: String {
        try! certificate.serializeAsPEM().pemString
    }

    /// Google's `oauth2/v1/certs` form: `{"<kid>":"<PEM certificate>"}`.
    package var pemByKeyIDJSON: String {
        let data = try! JSONSerialization.data(withJSONObject: [keyID: certificatePEM])
        return String(decoding: data, as: UTF8.self)
    }

    /// An RS256 JWT of `claims` (a JSON object), with this key's `kid` and any `extraHeader` members.
    package func jwt(claims: [String: Any], extraHeader: [String: String] = [:]) throws -> String {
        var header: [String: Any] = ["alg": "RS256", "kid": keyID, "typ": "JWT"]
        for (key, value) in extraHeader { header[key] = value }
        let headerPart = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])))
        let payloadPart = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])))
        let input = headerPart + "." + payloadPart
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// AWS's `instance-identity/signature` for `document`: base64 of RSA PKCS #1 v1.5 over its SHA-256.
    package func awsSignature(document: String) throws -> String {
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(document.utf8)), padding: .insecurePKCS1v1_5)
        return Data(signature.rawRepresentation).base64EncodedString(options: [.lineLength64Characters])
    }

    /// AWS's `instance-identity/rsa2048` for `document`: a PKCS #7 SignedData holding the document, signed with this
    /// key, without certificates, base64 with line breaks as the metadata service serves it. Made by
    /// `openssl cms -sign` (an implementation independent of the verifier's), with signed attributes unless
    /// `signedAttributes` is false.
    package func awsRSA2048Signature(document: String, signedAttributes: Bool = true) throws -> String {
        let directory = NSTemporaryDirectory() + "steeple-pkcs7-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try privateKey.pemRepresentation.write(toFile: directory + "/key.pem", atomically: true, encoding: .utf8)
        try certificatePEM.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
        try document.write(toFile: directory + "/document", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["cms", "-sign", "-binary", "-nodetach", "-nocerts", "-md", "sha256", "-outform", "DER",
                             "-signer", directory + "/cert.pem", "-inkey", directory + "/key.pem",
                             "-in", directory + "/document", "-out", directory + "/signature.der"] + (signedAttributes ? [] : ["-noattr"])
        let errors = Pipe()
        // Close-on-exec, as SteepleTestSupport's pipes: a server another test starts meanwhile must not inherit them.
        for descriptor in [errors.fileHandleForReading.fileDescriptor, errors.fileHandleForWriting.fileDescriptor] {
            _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        }
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl cms: " + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)])
        }
        return try Data(contentsOf: URL(fileURLWithPath: directory + "/signature.der")).base64EncodedString(options: [.lineLength64Characters])
    }
}
