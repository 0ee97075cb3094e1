import Foundation
import SteepleTestSupport
import Testing

/// `scripts/postgres-throwaway` starts a server that outlives it. Whatever descriptor the calling test process holds
/// without close-on-exec when it forks the script (a pipe another test has just made for a child, the socket by which
/// Foundation learns of a child's exit) must not live on in that server: the reader of such a pipe would never see end
/// of file, and a test run once hung until CI's limit that way.
@Suite("scripts/postgres-throwaway keeps none of its caller's descriptors")
struct PostgresThrowawayDescriptorTests {
    /// The targets of `pid`'s descriptors (`pipe:[inode]`, paths, sockets). Throws when they cannot be read: another
    /// user's process needs CAP_SYS_PTRACE, and a test that silently saw nothing would pass without checking.
    static func descriptorTargets(of pid: Int32) throws -> [String] {
        let directory = "/proc/\(pid)/fd"
        return try FileManager.default.contentsOfDirectory(atPath: directory).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)")
        }
    }

    /// PostgreSQL's processes on this machine (the postmaster and its children), by their command line, which any
    /// user may read.
    static func postgresProcesses() -> [Int32] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let first = String(decoding: data.split(separator: 0).first ?? [], as: UTF8.self)
            return first.hasSuffix("/postgres") || first.hasPrefix("postgres:")
        }
    }

    // Other tests of this process fork children while this one runs; a child forked between pipe() and close()
    // inherits the write end as well, through no fault of the script. So the test asks the kernel which of
    // PostgreSQL's processes hold the pipe, rather than waiting for end of file, which such a sibling's child could
    // delay.
    @Test("a pipe open in the test process while the script starts and restarts a server is held by no PostgreSQL process afterwards")
    func pipeNotInheritedByPostgres() async throws {
        try await PostgresTestServer.withDedicatedServer { _, restart in
            // Made before the restart, without close-on-exec, as Foundation's Pipe is.
            var ends: [Int32] = [0, 0]
            try #require(pipe(&ends) == 0)
            let (reader, writer) = (ends[0], ends[1])
            defer { close(reader) }
            var status = stat()
            try #require(fstat(reader, &status) == 0)
            try await restart()
            close(writer)

            let postgres = Self.postgresProcesses()
            try #require(!postgres.isEmpty, "no PostgreSQL process found after the restart")
            let target = "pipe:[\(status.st_ino)]"
            var holders: [Int32] = []
            for pid in postgres {
                let targets: [String]
                do {
                    targets = try Self.descriptorTargets(of: pid)
                } catch {
                    // A process that ended meanwhile is no holder; one that cannot be read fails the test.
                    guard FileManager.default.fileExists(atPath: "/proc/\(pid)") else { continue }
                    Issue.record("cannot read /proc/\(pid)/fd (\(error)): the test must see PostgreSQL's descriptors (root with CAP_SYS_PTRACE)")
                    continue
                }
                if targets.contains(target) { holders.append(pid) }
            }
            #expect(holders.isEmpty, "PostgreSQL processes hold the pipe's write end: \(holders)")
        }
    }

    @Test("the descriptor scan finds a pipe a child inherited (so the test above can fail)")
    func holderScanFindsAnInheritingChild() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        var status = stat()
        try #require(fstat(ends[0], &status) == 0)
        // posix_spawn without file actions: the child inherits every descriptor not marked close-on-exec.
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer { kill(pid, SIGKILL); var code: Int32 = 0; waitpid(pid, &code, 0) }
        #expect(try Self.descriptorTargets(of: pid).contains("pipe:[\(status.st_ino)]"), "the child's descriptors do not show the pipe")
    }
}
