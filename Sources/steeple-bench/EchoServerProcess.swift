#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRPCCore
import GRPCUnixServer
import Logging

/// The bare echo in a process of its own (`steeple-bench echo-server SOCKET`), as the agent is: the Workload API
/// benchmark's floor then pays the same cross-process wake-ups as the agent's calls, which an echo served inside the
/// benchmark process (sharing its event loops with the clients) does not.
enum EchoServerProcess {
    /// Serves ``BenchEchoService`` on `socketPath` until standard input closes (the benchmark exits or stops it).
    static func serve(socketPath: String) async throws {
        let transport = UnixServerTransport(configuration: .init(socketPath: socketPath), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = GRPCServer(transport: transport, services: [BenchEchoService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            group.addTask {
                // Standard input at end of file: the parent is gone or done.
                _ = await Task.detached { FileHandle.standardInput.readDataToEndOfFile() }.value
                server.beginGracefulShutdown()
            }
            try await group.waitForAll()
        }
    }

    /// Starts this executable as an echo server on `socketPath` and waits until it accepts connections; the returned
    /// handle stops it.
    static func start(socketPath: String) async throws -> (process: Process, stdin: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["echo-server", socketPath]
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        let started = ContinuousClock.now
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard ContinuousClock.now - started < .seconds(20), process.isRunning else { throw BenchFailure("echo server did not start on \(socketPath)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (process, stdin)
    }

    static func stop(_ handle: (process: Process, stdin: Pipe)) {
        try? handle.stdin.fileHandleForWriting.close()
        handle.process.terminate()
    }
}
