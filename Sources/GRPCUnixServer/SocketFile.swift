#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// File-system chores around the listening socket.
enum SocketFile {
    /// `mkdir -p` of the socket's directory (new directories get 0755).
    static func createParentDirectory(of socketPath: String) throws {
        guard let slash = socketPath.lastIndex(of: "/"), slash != socketPath.startIndex else { return }
        let directory = String(socketPath[..<slash])
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw UnixServerTransportError(.socketDirectory, "mkdir \(prefix): errno \(errno)")
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw UnixServerTransportError(.socketDirectory, "\(directory) is not a directory")
        }
        // A directory another user owns lets that user replace the socket under the agent's feet and impersonate
        // it to every workload: refuse it (root's directories, such as /tmp, are fine).
        let owner = UInt32(info.st_uid)
        guard owner == geteuid() || owner == 0 else {
            throw UnixServerTransportError(
                .socketDirectoryOwner,
                "the socket directory \(directory) belongs to uid \(owner), not to this process (uid \(geteuid())) or root: use a directory of your own, or chown it")
        }
    }

    /// Whether a server accepts connections on `path` now (a live socket, not a stale file).
    static func isServed(_ path: String) -> Bool {
        guard var address = try? socketAddress(path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return connected == 0
    }

    private static func socketAddress(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw UnixServerTransportError(.bind, "socket path too long (\(pathBytes.count) bytes): \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        return address
    }

    static func setMode(_ mode: UInt32, of socketPath: String) throws {
        if chmod(socketPath, mode_t(mode)) != 0 {
            throw UnixServerTransportError(.socketMode, "chmod \(socketPath): errno \(errno)")
        }
    }

    /// The socket file's device and inode, to recognise it later.
    static func identity(of socketPath: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard lstat(socketPath, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Removes the socket file unless it is no longer ours (a newer server bound the same path since).
    static func remove(_ socketPath: String, ifIdentity identity: (device: UInt64, inode: UInt64)?) {
        guard let identity, let current = self.identity(of: socketPath),
              current.device == identity.device, current.inode == identity.inode
        else { return }
        unlink(socketPath)
    }

    /// Creates the listening socket: removes a stale socket file, binds, sets the file's mode and only then
    /// listens, so no client can connect while the mode is still the umask's. Returns the descriptor, which NIO
    /// then owns. (NIO's own `bind(unixDomainSocketPath:)` would also unlink the path when the channel closes,
    /// even when a newer server has bound it since.)
    static func makeListeningSocket(path: String, mode: UInt32, backlog: Int32) throws -> Int32 {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw UnixServerTransportError(.bind, "\(path) exists and is not a socket")
            }
            // Replacing a live socket would silently take over another agent's workloads.
            guard !isServed(path) else {
                throw UnixServerTransportError(
                    .socketInUse,
                    "another process is serving \(path): stop it first, or give this one another socket_path")
            }
            unlink(path)
        }
        var address = try socketAddress(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UnixServerTransportError(.bind, "socket(AF_UNIX): errno \(errno)") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw UnixServerTransportError(.bind, "bind \(path): errno \(code)")
        }
        do {
            try setMode(mode, of: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw UnixServerTransportError(.bind, "listen \(path): errno \(code)")
        }
        return fd
    }
}
