public import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The system trust store as Go programs (SPIRE among them) see it on Linux: `SSL_CERT_FILE` and `SSL_CERT_DIR`
/// (colon-separated directories) replace the distribution's bundle when set; otherwise NIOSSL's default, the
/// distribution's bundle (`/etc/ssl/certs/ca-certificates.crt` on Debian).
public enum SystemTrustRoots {
    /// The roots for `environment`.
    /// - Throws: ``SystemTrustRootsError`` when a file named by the environment cannot be read
    ///   or holds no certificate: a misconfigured trust store fails closed rather than falling back.
    public static func roots(environment: [String: String]) throws(SystemTrustRootsError) -> NIOSSLTrustRoots {
        let file = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let directories = (environment["SSL_CERT_DIR"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        if file == nil, directories.isEmpty { return .default }
        var certificates: [NIOSSLCertificate] = []
        if let file {
            do {
                certificates += try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw SystemTrustRootsError("SSL_CERT_FILE \(file) is not a readable PEM file of certificates: \(error)")
            }
        }
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() {
                // Like Go, a file that does not parse is skipped: certificate directories hold hash links and CRLs.
                if let found = try? NIOSSLCertificate.fromPEMFile(directory + "/" + name) { certificates += found }
            }
        }
        guard !certificates.isEmpty else {
            throw SystemTrustRootsError("SSL_CERT_FILE / SSL_CERT_DIR name no certificate: point them at a PEM bundle, or unset them to use the system's")
        }
        return .certificates(certificates)
    }
}

/// The trust store named by the environment cannot be used.
public struct SystemTrustRootsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
