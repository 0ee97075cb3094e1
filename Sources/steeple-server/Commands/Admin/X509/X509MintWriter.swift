#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `x509 mint -write DIR` output as SPIRE does: `svid.pem` and `bundle.pem` readable by all (0644),
/// `key.pem` private to the owner (0600) from the moment it exists.
enum X509MintWriter {
    /// The files written.
    struct Paths: Equatable {
        var svid: String
        var key: String
        var bundle: String
    }

    /// Writes the three files into `directory`, which must exist, replacing files of the same names.
    ///
    /// - Throws: ``CLIError`` `unable to write SVID: …` (or key, bundle) naming the path and the system error.
    static func writeFiles(_ result: X509MintResult, into directory: String) throws(CLIError) -> Paths {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let paths = Paths(svid: base + "svid.pem", key: base + "key.pem", bundle: base + "bundle.pem")
        try writeFile(result.svidPEM, to: paths.svid, mode: 0o644, what: "SVID")
        try writeFile(result.keyPEM, to: paths.key, mode: 0o600, what: "key")
        try writeFile(result.bundlePEM, to: paths.bundle, mode: 0o644, what: "bundle")
        return paths
    }

    /// SPIRE's lines after writing.
    static func report(_ paths: Paths) -> String {
        "X509-SVID written to \(paths.svid)\nPrivate key written to \(paths.key)\nRoot CAs written to \(paths.bundle)\n"
    }

    /// Writes `text` to `path` with exactly `mode`, also when the file already existed with another mode.
    static func writeFile(_ text: String, to path: String, mode: mode_t, what: String) throws(CLIError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(what, path) }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw failure(what, path) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress, buffer.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(what, path)
            }
            bytes = bytes.dropFirst(written)
        }
    }

    private static func failure(_ what: String, _ path: String) -> CLIError {
        CLIError("unable to write \(what): \(path): \(String(cString: strerror(errno)))")
    }
}
