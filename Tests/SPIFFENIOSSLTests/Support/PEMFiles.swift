import Foundation
import SPIFFE

/// `svid.pem`, `key.pem` and `bundle.pem` in a new temporary directory, as `api fetch x509 -write` writes them.
struct PEMFiles {
    let directory: URL

    init(svid: X509SVID, bundle: X509Bundle) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spiffe-niossl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try svid.chainPEM.write(to: directory.appendingPathComponent("svid.pem"), atomically: true, encoding: .utf8)
        try svid.privateKeyPEM.write(to: directory.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        try bundle.pemRepresentation.write(to: directory.appendingPathComponent("bundle.pem"), atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
