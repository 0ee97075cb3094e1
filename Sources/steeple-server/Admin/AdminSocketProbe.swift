#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds out, before any gRPC call, why the admin socket may not be reachable, so that the CLI says what happened
/// instead of always asking whether the server runs.
enum AdminSocketProbe {
    /// The outcome of one `connect(2)` to the socket.
    enum Outcome: Equatable {
        /// Something accepted the connection.
        case listening
        /// No file at the path (ENOENT), or a file nobody listens on (ECONNREFUSED): the server is not running there.
        case notRunning(String?)
        /// The caller may not reach the socket (EACCES/EPERM on the file or a directory on its path).
        case permissionDenied
        /// Any other failure, with the system's description.
        case failed(String)
    }

    static func probe(_ path: String) -> Outcome {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failed("the path is \(bytes.count) bytes, longer than a Unix socket address holds")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
            buffer[bytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { return .listening }
        switch errno {
        case ENOENT: return .notRunning(nil)
        case ECONNREFUSED: return .notRunning("the socket file exists but nothing listens on it")
        case EACCES, EPERM: return .permissionDenied
        case let code: return .failed(String(cString: strerror(code)))
        }
    }
}
