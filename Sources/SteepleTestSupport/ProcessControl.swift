package import Foundation

/// Sends SIGTERM, waits up to 10 s for the exit (then SIGKILL, and up to 10 s more) and returns the exit status.
///
/// It never blocks a thread of the cooperative pool in `waitUntilExit`: see ``exitStatus(of:)``.
func terminateGracefully(_ process: Process) async throws -> Int32 {
    process.terminate()
    if let status = try await waitForExit(process, within: .seconds(10)) { return status }
    kill(process.processIdentifier, SIGKILL)
    if let status = try await waitForExit(process, within: .seconds(10)) { return status }
    throw CLIFailure(message: "process \(process.processIdentifier) (\(process.executableURL?.lastPathComponent ?? "?")) did not exit 10 s after SIGKILL")
}

/// Polls ``exitStatus(of:)`` every 20 ms for up to `limit`; nil if the process still runs.
package func waitForExit(_ process: Process, within limit: Duration) async throws -> Int32? {
    let deadline = ContinuousClock.now + limit
    while true {
        if let status = exitStatus(of: process) { return status }
        if ContinuousClock.now >= deadline { return nil }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// ``waitForExit(_:within:)`` for synchronous callers: sleeps the calling thread between polls.
package func waitForExitBlocking(_ process: Process, within limit: Duration) -> Int32? {
    let deadline = ContinuousClock.now + limit
    while true {
        if let status = exitStatus(of: process) { return status }
        if ContinuousClock.now >= deadline { return nil }
        usleep(20_000)
    }
}

/// The exit status of `process` if it has exited (the signal number if a signal ended it), also when Foundation has
/// not noticed yet.
///
/// Foundation's `Process` on Linux learns of an exit from end of file on a socket the child inherits. That never
/// comes while a descendant still holds the socket: a server a script started in the background, or a daemon forked
/// off this test process at the moment the child was being spawned. `isRunning` then stays true and
/// `waitUntilExit` never returns, with the child a zombie. `waitid` with `WNOWAIT` sees the exit and leaves the
/// child for Foundation to reap.
package func exitStatus(of process: Process) -> Int32? {
    if !process.isRunning { return process.terminationStatus }
    var info = siginfo_t()
    guard waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
          info._sifields._sigchld.si_pid != 0 else { return nil }
    return info._sifields._sigchld.si_status
}

/// A pipe whose two descriptors close on exec. Foundation's `Pipe` leaves them inheritable, so a server that another
/// test starts at the same moment inherits them; when that is the write end of a CLI's output pipe, reading the CLI's
/// output to its end waits as long as that server lives (a test run hung so in SharedDatastoreEndToEndTests, a
/// server holding another test's CLI pipe). The child still gets its end: `Process` dup2s it onto 0, 1 or 2, which
/// clears the flag.
package func closeOnExecPipe() -> Pipe {
    let pipe = Pipe()
    for descriptor in [pipe.fileHandleForReading.fileDescriptor, pipe.fileHandleForWriting.fileDescriptor] {
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }
    return pipe
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
    let out = closeOnExecPipe()
    let err = closeOnExecPipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let input = closeOnExecPipe()
        process.standardInput = input
        input.fileHandleForWriting.write(Data(stdin.utf8))
        input.fileHandleForWriting.closeFile()
    }
    try process.run()
    // Both pipes are drained at once: a child that fills one (64 KiB) while the other is read would block forever.
    let stderrReader = Thread.detachedReader(err.fileHandleForReading)
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = stderrReader.wait()
    guard let status = waitForExitBlocking(process, within: .seconds(60)) else {
        throw CLIFailure(message: "\(process.executableURL?.path ?? "?") closed its output but did not exit within 60 s")
    }
    return ServerProcess.Output(
        status: status, stdout: String(decoding: stdoutData, as: UTF8.self),
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
