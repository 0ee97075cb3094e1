#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The credentials of a process named by PID, read from `/proc/<pid>/status` (effective UID and GID, as SPIRE's
/// `unix` attestor takes them, and the supplementary groups): how the Delegated Identity API attests a workload on a
/// delegate's behalf. The delegate answers for the PID not being recycled meanwhile (SPIRE's contract).
enum ProcessCredentials {
    static func caller(pid: Int32, procRoot: String = "/proc") throws -> WorkloadCaller {
        guard pid > 0 else { throw WorkloadAttestationError(message: "pid \(pid) is not a process ID") }
        let path = "\(procRoot)/\(pid)/status"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadAttestationError(message: "cannot read \(path): no such process, or it is not visible to the agent")
        }
        return try parse(status: String(decoding: data, as: UTF8.self), pid: pid)
    }

    /// Reads the `Uid:`, `Gid:` and `Groups:` lines of a status file.
    static func parse(status: String, pid: Int32) throws -> WorkloadCaller {
        var fields: [String: [String]] = [:]
        for line in status.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            guard ["Uid", "Gid", "Groups"].contains(key) else { continue }
            fields[key] = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        // Real, effective, saved, filesystem: the effective one decides what the process may do.
        func effective(_ key: String) throws -> UInt32 {
            guard let values = fields[key], values.count >= 2, let value = UInt32(values[1]) else {
                throw WorkloadAttestationError(message: "/proc/\(pid)/status has no readable \(key): line")
            }
            return value
        }
        let groups = try (fields["Groups"] ?? []).map { text throws -> UInt32 in
            guard let gid = UInt32(text) else { throw WorkloadAttestationError(message: "/proc/\(pid)/status has an unreadable Groups: entry \"\(text)\"") }
            return gid
        }
        return WorkloadCaller(pid: pid, uid: try effective("Uid"), gid: try effective("Gid"), supplementaryGroups: groups)
    }
}
