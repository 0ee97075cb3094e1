@testable import SteepleAgent
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How the Delegated Identity API attests a workload by PID: the effective IDs and groups of `/proc/<pid>/status`.
@Suite("Process credentials from /proc/<pid>/status")
struct ProcessCredentialsTests {
    @Test("the effective UID and GID (second column) and every supplementary group")
    func parsesEffectiveIDs() throws {
        let status = "Name:\tworker\nUid:\t1000\t1001\t1000\t1001\nGid:\t50\t51\t50\t51\nGroups:\t4 27 100 \n"
        let caller = try ProcessCredentials.parse(status: status, pid: 42)
        #expect(caller == WorkloadCaller(pid: 42, uid: 1001, gid: 51, supplementaryGroups: [4, 27, 100]))
    }

    @Test("a status without a Uid line, or with an unreadable group, is refused naming the line")
    func refusesMalformed() {
        #expect(throws: WorkloadAttestationError.self) { try ProcessCredentials.parse(status: "Gid:\t1\t1\t1\t1\n", pid: 7) }
        #expect(throws: WorkloadAttestationError.self) { try ProcessCredentials.parse(status: "Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nGroups:\tx\n", pid: 7) }
    }

    @Test("this process, read from the real /proc, matches the kernel's IDs; PID 0 and a missing process are refused")
    func readsRealProc() throws {
        let caller = try ProcessCredentials.caller(pid: getpid())
        #expect(caller.uid == geteuid() && caller.gid == getegid())
        #expect(throws: WorkloadAttestationError.self) { try ProcessCredentials.caller(pid: 0) }
        #expect(throws: WorkloadAttestationError.self) { try ProcessCredentials.caller(pid: Int32.max) }
    }
}
