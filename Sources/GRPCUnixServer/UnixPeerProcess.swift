#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pidfd on the process at the other end of a connection, taken at accept time with `SO_PEERPIDFD`.
///
/// Unlike a pid, a pidfd cannot come to name another process after the caller exits and its pid is reused, so
/// an attestor can check ``isAlive()`` after reading `/proc/<pid>` to know that what it read belonged to the
/// caller. The descriptor is closed when the object is released.
public final class UnixPeerProcess: Sendable {
    public let pid: Int32
    /// The pidfd; owned by this object (do not close it).
    public let fileDescriptor: Int32

    /// Takes ownership of `fileDescriptor`.
    public init(pid: Int32, fileDescriptor: Int32) {
        self.pid = pid
        self.fileDescriptor = fileDescriptor
    }

    deinit {
        close(fileDescriptor)
    }

    /// Whether the process still runs. A pidfd polls readable once its process has exited (zombies included).
    public func isAlive() -> Bool {
        var entry = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, 0)
        if ready < 0 { return false }
        return ready == 0 || entry.revents & Int16(POLLIN) == 0
    }
}
