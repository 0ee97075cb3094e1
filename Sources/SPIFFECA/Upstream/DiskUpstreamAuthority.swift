package import SPIFFE
package import X509
import SteepleSupport
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// SPIRE's `UpstreamAuthority "disk"`: the operator's CA certificate (`cert_file_path`, optionally followed by its
/// own intermediates), its key (`key_file_path`) and the roots (`bundle_file_path`; when omitted the certificate
/// must be self-signed). The server's CA becomes an intermediate under it, and the roots become the trust bundle.
package struct DiskUpstreamAuthority: Sendable {
    /// The upstream CA certificate first, then any intermediates above it.
    package let chain: [Certificate]
    /// The upstream CA's key.
    package let privateKey: Certificate.PrivateKey
    /// The trust anchors published in the bundle.
    package let roots: [Certificate]

    /// Reads and checks the three files.
    ///
    /// - Throws: ``CAError/Code/upstreamAuthority`` naming the file and the problem.
    package init(certFilePath: String, keyFilePath: String, bundleFilePath: String?) throws(CAError) {
        let chain = try Self.readCertificates(certFilePath, what: "cert_file_path")
        guard let keyPEM = FileIO.read(path: keyFilePath) else {
            throw CAError(.upstreamAuthority, "key_file_path \(keyFilePath) cannot be read")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw CAError(.upstreamAuthority, "key_file_path \(keyFilePath) does not hold a PEM private key", cause: error)
        }
        guard key.publicKey == chain[0].publicKey else {
            throw CAError(.upstreamAuthority, "the key in \(keyFilePath) does not match the first certificate of \(certFilePath)")
        }
        guard case .some(.isCertificateAuthority) = try? chain[0].extensions.basicConstraints,
            (try? chain[0].extensions.keyUsage)?.keyCertSign ?? true
        else {
            throw CAError(.upstreamAuthority, "the certificate in \(certFilePath) is not a CA that may sign certificates")
        }
        let roots: [Certificate]
        if let bundleFilePath {
            roots = try Self.readCertificates(bundleFilePath, what: "bundle_file_path")
        } else {
            guard chain.count == 1, chain[0].issuer == chain[0].subject else {
                throw CAError(.upstreamAuthority, "bundle_file_path is required when \(certFilePath) is not a self-signed root")
            }
            roots = chain
        }
        self.chain = chain
        self.privateKey = key
        self.roots = roots
    }

    /// Issues the server's intermediate CA for `publicKey`, valid for `ttl` (capped at the upstream certificate's
    /// end of validity).
    package func mintX509CA(
        trustDomain: TrustDomain,
        privateKey caKey: Certificate.PrivateKey,
        subject: DistinguishedName,
        ttl: Duration,
        now: Date
    ) throws(CAError) -> X509Authority {
        let upstream = chain[0]
        guard now < upstream.notValidAfter else {
            throw CAError(.upstreamAuthority, "the upstream CA certificate expired at \(upstream.notValidAfter)")
        }
        do {
            let certificate = try X509Authority.caCertificate(
                trustDomain: trustDomain, publicKey: caKey.publicKey, subject: subject,
                notAfter: min(now.addingTimeInterval(ttl.timeInterval), upstream.notValidAfter), now: now,
                issuer: upstream, issuerKey: privateKey)
            let rootSet = Set(roots)
            let upstreamChain = [certificate] + chain.filter { !rootSet.contains($0) }
            return X509Authority(certificate: certificate, privateKey: caKey, upstreamChain: upstreamChain, roots: roots)
        } catch {
            throw CAError(.upstreamAuthority, "could not sign the intermediate CA with the upstream key", cause: error)
        }
    }

    private static func readCertificates(_ path: String, what: String) throws(CAError) -> [Certificate] {
        guard let pem = FileIO.read(path: path) else {
            throw CAError(.upstreamAuthority, "\(what) \(path) cannot be read")
        }
        do {
            let certificates = try PEMDocument.parseMultiple(pemString: pem)
                .filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
            guard !certificates.isEmpty else {
                throw CAError(.upstreamAuthority, "\(what) \(path) holds no CERTIFICATE block")
            }
            return certificates
        } catch let error as CAError {
            throw error
        } catch {
            throw CAError(.upstreamAuthority, "\(what) \(path) does not hold valid PEM certificates", cause: error)
        }
    }
}
