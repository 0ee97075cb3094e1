#if canImport(Glibc)
import Glibc
#endif

/// Prepares the admin socket's location: the directory is created with mode 0700 (only the server's user may
/// reach the socket), and a stale socket file is removed — unless a live server still answers on it.
enum UnixSocketPath {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func prepare(_ path: String) throws {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        try makeDirectories(directory, mode: 0o700)
        guard access(path, F_OK) == 0 else { return }
        if isServing(path) {
            throw Failure(description: "another server is already listening on \(path): stop it or choose another -socketPath")
        }
        unlink(path)
    }

    static func makeDirectories(_ path: String, mode: mode_t) throws {
        guard !path.isEmpty, path != "/" else { return }
        if access(path, F_OK) == 0 { return }
        let parent = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : ""
        if !parent.isEmpty { try makeDirectories(parent, mode: 0o755) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else {
            throw Failure(description: "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
        chmod(path, mode)
    }

    /// Whether something accepts connections on the socket.
    static func isServing(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
            buffer[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }
}
