import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a freshly accepted connection's `SO_PEERCRED`, `SO_PEERGROUPS` and `SO_PEERPIDFD` through NIO's
/// `SocketOptionProvider`. Runs on the connection's event loop, where every future below is already complete.
enum PeerCredentialReader {
    /// `SO_PEERGROUPS` (Linux ≥ 4.13); Debian's headers hide it.
    static let soPeerGroups: Int32 = 59
    /// `SO_PEERPIDFD` (Linux ≥ 6.5); not in Debian 12's headers.
    static let soPeerPidfd: Int32 = 77

    /// Layout of the kernel's `struct ucred`, which Glibc only declares under `__USE_GNU`.
    struct LinuxUCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// A zero-byte buffer: `SO_PEERGROUPS` succeeds with it only when the peer has no supplementary groups.
    struct NoGroups: Sendable {}

    static func read(from channel: any Channel) -> EventLoopFuture<UnixPeer> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(
                UnixServerTransportError(.peerCredentials, "the accepted channel exposes no socket options"))
        }
        let level = SocketOptionLevel(SOL_SOCKET)
        let credentials: EventLoopFuture<LinuxUCred> = provider.unsafeGetSocketOption(
            level: level, name: SocketOptionName(SO_PEERCRED))
        return credentials.flatMap { ucred in
            readGroups(provider, level: level).flatMap { groups in
                readPidfd(provider, level: level).map { pidfd in
                    UnixPeer(
                        credentials: UnixPeerCredentials(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid, supplementaryGroups: groups),
                        process: pidfd.map { UnixPeerProcess(pid: ucred.pid, fileDescriptor: $0) })
                }
            }
        }.flatMapErrorThrowing { error in
            if error is UnixServerTransportError { throw error }
            throw UnixServerTransportError(.peerCredentials, "getsockopt failed: \(error)")
        }
    }

    /// `SO_PEERGROUPS` returns the peer's gid_t array and fails with ERANGE when the buffer is too small. NIO
    /// does not report how many bytes the kernel wrote, so: a zero-byte probe tells "no groups" apart, then
    /// growing zero-filled buffers are tried. The kernel sorts the list, so a 0 can only be its first element
    /// and the list ends at the first 0 after it (a duplicated group 0 would be reported once).
    private static func readGroups(_ provider: any SocketOptionProvider, level: SocketOptionLevel) -> EventLoopFuture<[UInt32]> {
        let name = SocketOptionName(soPeerGroups)
        let probe: EventLoopFuture<NoGroups> = provider.unsafeGetSocketOption(level: level, name: name)
        return probe.map { _ in [UInt32]() }.flatMapError { error in
            guard isRangeError(error) else {
                // ENOPROTOOPT (kernel < 4.13) or ENODATA: no group information; report none.
                return probe.eventLoop.makeSucceededFuture([])
            }
            let small: EventLoopFuture<InlineArray<64, UInt32>> = provider.unsafeGetSocketOption(level: level, name: name)
            return small.map { groups(in: $0) }.flatMapError { error in
                guard isRangeError(error) else { return probe.eventLoop.makeFailedFuture(error) }
                let large: EventLoopFuture<InlineArray<4096, UInt32>> = provider.unsafeGetSocketOption(level: level, name: name)
                return large.map { groups(in: $0) }.flatMapErrorThrowing { error in
                    if isRangeError(error) {
                        throw UnixServerTransportError(.peerCredentials, "the peer has more than 4096 supplementary groups")
                    }
                    throw error
                }
            }
        }
    }

    private static func groups<let n: Int>(in buffer: InlineArray<n, UInt32>) -> [UInt32] {
        var result: [UInt32] = []
        for index in buffer.indices {
            let gid = buffer[index]
            if gid == 0 && index > 0 { break }
            result.append(gid)
        }
        return result
    }

    private static func readPidfd(_ provider: any SocketOptionProvider, level: SocketOptionLevel) -> EventLoopFuture<Int32?> {
        let pidfd: EventLoopFuture<Int32> = provider.unsafeGetSocketOption(level: level, name: SocketOptionName(soPeerPidfd))
        return pidfd.map { $0 >= 0 ? Optional($0) : nil }.recover { _ in nil }
    }

    private static func isRangeError(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == ERANGE
    }
}
