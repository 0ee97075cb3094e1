#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers with the durability the CA needs.
package enum FileIO {
    /// The file's contents as UTF-8, or `nil` when it does not exist.
    package static func read(path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `contents` to a temporary file beside `path` with `mode`, fsyncs it, renames it over `path` and
    /// fsyncs the directory.
    ///
    /// - Throws: ``CAError/Code/keyStorage`` naming the failing step and `errno`.
    package static func writeAtomically(path: String, contents: [UInt8], mode: UInt32) throws(CAError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode_t(mode))
        guard fd >= 0 else { throw failure("create", temporary) }
        var offset = 0
        while offset < contents.count {
            let n = contents[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else {
                close(fd)
                unlink(temporary)
                throw failure("write", temporary)
            }
            offset += n
        }
        guard fchmod(fd, mode_t(mode)) == 0, fsync(fd) == 0 else {
            close(fd)
            unlink(temporary)
            throw failure("fsync", temporary)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw failure("rename", path)
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    private static func failure(_ step: String, _ path: String) -> CAError {
        CAError(.keyStorage, "could not \(step) \(path): \(String(cString: strerror(errno)))")
    }
}
