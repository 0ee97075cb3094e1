public import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The system trust store as Go programs (SPIRE among them) read it on Linux: the first readable file of
/// `SSL_CERT_FILE` (when set) or else of the distributions' bundle files, plus every certificate file in the
/// directories of `SSL_CERT_DIR` (colon-separated, when set) or else `/etc/ssl/certs` and `/etc/pki/tls/certs`. So
/// `SSL_CERT_FILE` alone replaces the bundle file but keeps the certificate directories, as in Go.
public enum SystemTrustRoots {
    /// Go's `certFiles` for Linux, in its order.
    static let defaultFiles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
    ]
    /// Go's `certDirectories` for Linux.
    static let defaultDirectories = ["/etc/ssl/certs", "/etc/pki/tls/certs"]

    /// The roots for `environment`.
    /// - Throws: ``SystemTrustRootsError`` when no certificate is found at all: a trust store that is missing or
    ///   misconfigured fails closed, naming where it looked.
    public static func roots(environment: [String: String]) throws(SystemTrustRootsError) -> NIOSSLTrustRoots {
        let files = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : [$0] } ?? defaultFiles
        let directories = environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0.split(separator: ":").map(String.init) } ?? defaultDirectories
        var certificates: [NIOSSLCertificate] = []
        // The first file that can be read, as Go's loadSystemRoots.
        for file in files where FileManager.default.isReadableFile(atPath: file) {
            if let found = try? NIOSSLCertificate.fromPEMFile(file) { certificates += found }
            break
        }
        var seen = Set(certificates.map { $0.toDERBytesOrEmpty })
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() {
                // A file that does not parse is skipped, as in Go: certificate directories also hold CRLs and more.
                guard let found = try? NIOSSLCertificate.fromPEMFile(directory + "/" + name) else { continue }
                for certificate in found where seen.insert(certificate.toDERBytesOrEmpty).inserted {
                    certificates.append(certificate)
                }
            }
        }
        guard !certificates.isEmpty else {
            throw SystemTrustRootsError(
                "no trusted root certificate found in \((files.prefix(1) + directories).joined(separator: ", ")): install the distribution's CA certificates, or name a PEM bundle with SSL_CERT_FILE")
        }
        return .certificates(certificates)
    }
}

extension NIOSSLCertificate {
    fileprivate var toDERBytesOrEmpty: [UInt8] { (try? toDERBytes()) ?? [] }
}

/// The system trust store holds no certificate.
public struct SystemTrustRootsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
