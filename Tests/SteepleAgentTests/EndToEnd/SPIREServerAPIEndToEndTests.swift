import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's server API on a real server's admin socket, driven by a client generated from SPIRE's own protos by
/// PyPI's grpcio-tools (Tests/Interop/spire_server_api_check.py): a spire-controller-manager reconcile whose entry
/// reaches a workload through a real agent, then the Agent, Bundle, SVID and Debug APIs, bad input, and the calls the
/// admin socket refuses.
@Suite("SPIRE server API end to end", .serialized)
struct SPIREServerAPIEndToEndTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire_server_api_check.py").path
    }

    @Test("SPIRE's own protos (grpcio-tools, Python) on the admin socket: a controller-manager reconcile reaches a workload; Agent, Bundle, SVID, Debug; refusals",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func spireProtosClient() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        try await TrustDomainFixture.with { fixture in
            let run = try runTool(python, [Self.script, fixture.server.socketPath, fixture.agent.socketPath, fixture.agentID])
            print(run.output)
            #expect(run.status == 0, "spire_server_api_check: \(run.output)")
            // The server kept serving: the CLI (Steeple's admin API, same socket) still answers.
            #expect(try fixture.server.cli(["entry", "count"]).status == 0)
        }
    }
}
