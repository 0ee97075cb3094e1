import Foundation
import SteepleTestSupport
import Testing

/// A CA of its own and a server certificate for `localhost` and 127.0.0.1, made by openssl in `directory`:
/// `ca.pem` (what clients trust), `leaf.pem` and `leaf.key` (what the test server presents). Used by the test
/// doubles that speak real TLS (bundle web server, fake Kubernetes API server and kubelet).
enum LoopbackServerCertificate {
    static func make(in directory: String, caName: String) throws {
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: directory + "/leaf.ext", atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "1", "-subj", "/CN=\(caName)", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "1", "-extfile", "leaf.ext"],
        ]
        for step in steps {
            let result = try runToolBlocking(ChildProcess.openssl, step.map { [".key", ".pem", ".csr", ".ext"].contains(where: $0.hasSuffix) ? directory + "/" + $0 : $0 })
            try #require(result.status == 0, "openssl \(step[0]): \(result.output)")
        }
    }
}
