#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Raises the soft limit on open files to the hard limit, as Go programs (SPIRE's agent among them) do at start: every
/// Workload API client costs the agent a descriptor, and a low soft limit (1,024 is common) lets a few hundred idle
/// connections starve it.
enum FileDescriptorLimit {
    /// - Returns: the soft limit in force afterwards (nil when it cannot be read).
    @discardableResult
    static func raiseToHardLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}
