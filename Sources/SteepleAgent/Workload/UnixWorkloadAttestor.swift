import Crypto
import SteepleSupport

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's `unix` workload attestor: selectors from the caller's kernel credentials.
///
/// Always `unix:uid:`, `unix:gid:`, `unix:supplementary_gid:` (each), and the names `unix:user:`, `unix:group:`,
/// `unix:supplementary_group:` where the system knows them. With `discover_workload_path`, also `unix:path:` (the
/// binary `/proc/<pid>/exe` points to) and `unix:sha256:` (its digest); those read `/proc`, so the caller's process
/// must still be the one that connected (pidfd check) when they are done, or attestation fails.
struct UnixWorkloadAttestor: Sendable {
    var discoverWorkloadPath = false
    /// Largest binary hashed for `unix:sha256:`; 0 = no limit.
    var workloadSizeLimit = 0
    /// User and group names, kept a few seconds (shared by every copy of this attestor).
    var names = AccountNameCache()

    func selectors(for caller: WorkloadCaller) throws -> Set<String> {
        var selectors: Set<String> = ["unix:uid:\(caller.uid)", "unix:gid:\(caller.gid)"]
        if let name = names.userName(caller.uid) { selectors.insert("unix:user:\(name)") }
        if let name = names.groupName(caller.gid) { selectors.insert("unix:group:\(name)") }
        for gid in caller.supplementaryGroups {
            selectors.insert("unix:supplementary_gid:\(gid)")
            if let name = names.groupName(gid) { selectors.insert("unix:supplementary_group:\(name)") }
        }
        if discoverWorkloadPath {
            let path = try Self.executablePath(pid: caller.pid)
            selectors.insert("unix:path:\(path)")
            if let digest = try Self.sha256(path: path, limit: workloadSizeLimit) { selectors.insert("unix:sha256:\(digest)") }
            guard caller.processIsAlive?() ?? true else {
                throw WorkloadAttestationError(message: "process \(caller.pid) exited during attestation")
            }
        }
        return selectors
    }

    static func executablePath(pid: Int32) throws -> String {
        do {
            return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        } catch {
            throw WorkloadAttestationError(message: "cannot read /proc/\(pid)/exe: \(error)")
        }
    }

    static func sha256(path: String, limit: Int) throws -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WorkloadAttestationError(message: "cannot open \(path) to hash it (errno \(errno))") }
        defer { close(fd) }
        var hasher = SHA256()
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw WorkloadAttestationError(message: "cannot read \(path) to hash it (errno \(errno))")
            }
            if count == 0 { break }
            total += count
            if limit > 0, total > limit { return nil }
            hasher.update(data: buffer[0..<count])
        }
        return HexEncoding.lowercase(Array(hasher.finalize()))
    }
}

struct WorkloadAttestationError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
