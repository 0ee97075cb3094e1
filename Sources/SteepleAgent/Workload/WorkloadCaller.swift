/// A Workload API caller as the kernel described it when it connected (SO_PEERCRED, SO_PEERGROUPS), taken at accept
/// time, so a process that connects and then exits cannot pass its identity to a successor.
package struct WorkloadCaller: Sendable, Hashable {
    package var pid: Int32
    package var uid: UInt32
    package var gid: UInt32
    package var supplementaryGroups: [UInt32]
    /// Whether the connecting process still runs (a pidfd check); nil when the kernel gave no pidfd. Used after
    /// reading `/proc/<pid>` so that a recycled pid cannot lend its path to the caller.
    package var processIsAlive: (@Sendable () -> Bool)?

    package init(pid: Int32, uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32], processIsAlive: (@Sendable () -> Bool)? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
        self.processIsAlive = processIsAlive
    }

    package static func == (lhs: WorkloadCaller, rhs: WorkloadCaller) -> Bool {
        (lhs.pid, lhs.uid, lhs.gid, lhs.supplementaryGroups) == (rhs.pid, rhs.uid, rhs.gid, rhs.supplementaryGroups)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(pid)
        hasher.combine(uid)
        hasher.combine(gid)
        hasher.combine(supplementaryGroups)
    }
}
