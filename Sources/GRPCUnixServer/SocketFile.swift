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
    }

    static func setMode(_ mode: UInt32, of socketPath: String) throws {
        if chmod(socketPath, mode_t(mode)) != 0 {
            throw UnixServerTransportError(.socketMode, "chmod \(socketPath): errno \(errno)")
        }
    }
}
