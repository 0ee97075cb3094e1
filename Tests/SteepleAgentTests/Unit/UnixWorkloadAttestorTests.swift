import Foundation
@testable import SteepleAgent
import SteepleTestSupport
import Testing

@Suite("unix workload attestor")
struct UnixWorkloadAttestorTests {
    let me = WorkloadCaller(pid: getpid(), uid: getuid(), gid: getgid(), supplementaryGroups: [4, 27], processIsAlive: { true })

    @Test("uid, gid, names and supplementary groups")
    func credentials() throws {
        let selectors = try UnixWorkloadAttestor().selectors(for: me)
        #expect(selectors.contains("unix:uid:\(getuid())"))
        #expect(selectors.contains("unix:gid:\(getgid())"))
        #expect(selectors.contains("unix:supplementary_gid:4"))
        #expect(selectors.contains("unix:supplementary_gid:27"))
        if getuid() == 0 {
            #expect(selectors.contains("unix:user:root"))
            #expect(selectors.contains("unix:group:root"))
        }
        #expect(!selectors.contains { $0.hasPrefix("unix:path:") }, "path selectors need discover_workload_path")
    }

    @Test("discover_workload_path adds the binary's path and SHA-256, which match sha256sum")
    func path() async throws {
        let selectors = try UnixWorkloadAttestor(discoverWorkloadPath: true).selectors(for: me)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(selectors.contains("unix:path:\(executable)"))
        let digest = try #require(selectors.first { $0.hasPrefix("unix:sha256:") })
        let output = try await runTool("/usr/bin/sha256sum", [executable]).output
        #expect(digest == "unix:sha256:" + String(output.prefix(64)))
        #expect(try UnixWorkloadAttestor(discoverWorkloadPath: true, workloadSizeLimit: 10).selectors(for: me).allSatisfy { !$0.hasPrefix("unix:sha256:") })
    }

    @Test("a caller whose process is gone fails path attestation (no pid reuse window)")
    func gone() {
        var caller = me
        caller.processIsAlive = { false }
        #expect(throws: WorkloadAttestationError.self) { try UnixWorkloadAttestor(discoverWorkloadPath: true).selectors(for: caller) }
    }
}
