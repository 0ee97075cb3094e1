/// The kernel credentials of the process at the other end of a Unix socket connection, as they were when it
/// called `connect()` (`SO_PEERCRED` and `SO_PEERGROUPS`).
public struct UnixPeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The supplementary groups, ascending (the kernel keeps them sorted).
    public var supplementaryGroups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
    }

    /// `pid=…,uid=…,gid=…`
    public var description: String {
        "pid=\(pid),uid=\(uid),gid=\(gid)"
    }
}
