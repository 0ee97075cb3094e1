import Foundation

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
func runCollectingOutput(_ process: Process, stdin: String? = nil) throws -> ServerProcess.Output {
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
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ServerProcess.Output(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}
