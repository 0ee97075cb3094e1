package import Foundation

/// Sends SIGTERM, waits up to 10 s for the exit (then SIGKILL) and returns the exit status.
func terminateGracefully(_ process: Process) async throws -> Int32 {
    process.terminate()
    for _ in 0..<200 where process.isRunning {
        try await Task.sleep(for: .milliseconds(50))
    }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return process.terminationStatus
}

/// Runs a configured process to its end and collects its standard output and error (and feeds `stdin`, if given).
///
/// The wait happens on a thread of its own: a CLI call or a suite script takes from milliseconds to a minute, and
/// blocking one of the cooperative pool's threads (two on a 2-core CI machine) that long starved every other test of
/// the process (an echo handler of the resource-limit tests did not run for 10 s).
package func runCollectingOutput(_ process: Process, stdin: String? = nil) async throws -> ServerProcess.Output {
    let handedOver = HandedOverProcess(process: process)
    return try await offCooperativePool { try runCollectingOutputBlocking(handedOver.process, stdin: stdin) }
}

/// A configured process handed to the thread that runs it; the caller does not touch it again.
private struct HandedOverProcess: @unchecked Sendable {
    let process: Process
}

private func runCollectingOutputBlocking(_ process: Process, stdin: String?) throws -> ServerProcess.Output {
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let input = Pipe()
        process.standardInput = input
        input.fileHandleForWriting.write(Data(stdin.utf8))
        input.fileHandleForWriting.closeFile()
    }
    try process.run()
    // Both pipes are drained at once: a child that fills one (64 KiB) while the other is read would block forever.
    let stderrReader = Thread.detachedReader(err.fileHandleForReading)
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = stderrReader.wait()
    process.waitUntilExit()
    return ServerProcess.Output(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Runs one of this package's executables (`steeple-server`, `steeple-agent`) with `arguments` to its end.
package func runBuiltExecutable(_ name: String, _ arguments: [String]) async throws -> ServerProcess.Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try builtExecutable(name))
    process.arguments = arguments
    return try await runCollectingOutput(process)
}

/// Reads a file handle to its end on its own thread.
final class PipeDrain: @unchecked Sendable {
    // @unchecked: `data` is written by the reader thread before `done` is signalled and read only after it.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

extension Thread {
    static func detachedReader(_ handle: FileHandle) -> PipeDrain { PipeDrain(handle) }
}
