import Foundation
import SteepleTestSupport
import Testing

/// Issue #13's measure for client libraries: py-spiffe's own CI (its run-spire.sh and integration tests, unchanged)
/// against Steeple's binaries in SPIRE's release layout (Tests/Interop/py-spiffe-ci).
@Suite("py-spiffe's own CI")
struct PySpiffeCITests {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/py-spiffe-ci")
    }

    @Test("run-spire.sh starts a trust domain with SPIRE 1.9's command lines and py-spiffe's integration tests pass against it, none skipped",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "py-spiffe not installed; scripts/test installs it"))
    func pySpiffeCI() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs py-spiffe and pytest")
        let run = try await runTool("/bin/bash", [
            Self.directory.appendingPathComponent("run.sh").path, try builtExecutable("steeple-server"), try builtExecutable("steeple-agent"), python,
        ])
        print(run.output)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("PASS run-spire.sh"))
        #expect(run.output.contains("4 passed") && run.output.contains("PASS py-spiffe integration tests"), "\(run.output)")
    }
}
