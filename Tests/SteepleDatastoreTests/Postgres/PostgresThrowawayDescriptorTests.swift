import Foundation
import SteepleTestSupport
import Testing

/// `scripts/postgres-throwaway` starts a server that outlives it. Whatever descriptor the calling test process holds
/// without close-on-exec when it forks the script (a pipe another test has just made for a child, the socket by which
/// Foundation learns of a child's exit) must not live on in that server: the reader of such a pipe would never see end
/// of file, and a test run once hung until CI's limit that way.
@Suite("scripts/postgres-throwaway keeps none of its caller's descriptors")
struct PostgresThrowawayDescriptorTests {
    /// The processes (other than this one) holding the pipe `inode` open, by PID, with their executable's path.
    static func holders(ofPipe inode: UInt) -> [(pid: Int32, executable: String)] {
        let target = "pipe:[\(inode)]"
        let me = getpid()
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap { Int32($0) }.filter { $0 != me }.compactMap { pid in
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            let holds = descriptors.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == target }
            guard holds else { return nil }
            return (pid, (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? "?")
        }
    }

    // Other tests of this process fork children while this one runs; a child forked between pipe() and close()
    // inherits the write end as well, through no fault of the script. So the test asks the kernel which processes
    // hold the pipe and fails only for PostgreSQL's own (the restarted postmaster and its children), not for end of
    // file, which such a sibling's child could delay.
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

            let postgres = Self.holders(ofPipe: UInt(status.st_ino)).filter { $0.executable.hasSuffix("/postgres") }
            #expect(postgres.isEmpty, "PostgreSQL processes hold the pipe's write end: \(postgres.map { "\($0.pid) \($0.executable)" })")
        }
    }

    @Test("the holder scan finds a child that inherited the pipe (so the test above can fail)")
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
        let found = Self.holders(ofPipe: UInt(status.st_ino)).map(\.pid)
        #expect(found.contains(pid), "holders: \(found), child \(pid)")
    }
}
