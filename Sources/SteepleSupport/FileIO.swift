#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers with the durability the CA's key file and the agent's saved identity need.
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
    /// - Throws: ``FileIOError`` naming the failing step, the path and `errno`.
    package static func writeAtomically(path: String, contents: [UInt8], mode: UInt32) throws(FileIOError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode_t(mode))
        guard fd >= 0 else { throw failure("create", temporary) }
        var offset = 0
        while offset < contents.count {
            let n = contents[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else {
                let error = failure("write", temporary)  // errno before the clean-up calls can change it
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        guard fchmod(fd, mode_t(mode)) == 0, fsync(fd) == 0 else {
            let error = failure("fsync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", path)
            unlink(temporary)
            throw error
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    private static func failure(_ step: String, _ path: String) -> FileIOError {
        FileIOError(step: step, path: path, errno: errno)
    }
}

/// A failed step of ``FileIO/writeAtomically(path:contents:mode:)``.
package struct FileIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed: `create`, `write`, `fsync` or `rename`.
    package let step: String
    /// The file the step was applied to (the temporary file for all but `rename`).
    package let path: String
    /// `errno` right after the failing call.
    package let errno: Int32

    package init(step: String, path: String, errno: Int32) {
        self.step = step
        self.path = path
        self.errno = errno
    }

    /// `could not create /dir/keys.json.tmp-12: No such file or directory`.
    package var description: String {
        "could not \(step) \(path): \(String(cString: strerror(errno)))"
    }
}
