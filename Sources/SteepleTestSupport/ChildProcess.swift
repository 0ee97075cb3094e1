package import Foundation

/// A running child process (`openssl s_client`/`s_server`, an example executable) whose stdout and stderr go to one
/// file that tests poll.
package final class ChildProcess {
    package static let openssl = "/usr/bin/openssl"
    package static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    private let process = Process()
    private let input = closeOnExecPipe()
    private let outputURL: URL

    /// Starts `executable` (default: openssl) in `directory`, with `environment` added to this process's.
    package init(_ arguments: [String], executable: String = ChildProcess.openssl, environment: [String: String] = [:], in directory: URL) throws {
        outputURL = directory.appendingPathComponent("child-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = directory
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Everything the command printed so far.
    package var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// Writes `text` to the command's standard input.
    package func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Polls the output until `predicate` holds, for up to `seconds`; returns the output then.
    @discardableResult
    package func waitForOutput(seconds: Int = 10, until predicate: (String) -> Bool) async throws -> String {
        for _ in 0..<(seconds * 50) {
            let text = output
            if predicate(text) { return text }
            if exitStatus(of: process) != nil { return output }
            try await Task.sleep(for: .milliseconds(20))
        }
        return output
    }

    /// Waits up to `seconds` for the command to exit by itself; returns whether it did.
    package func waitForExit(seconds: Int = 10) async throws -> Bool {
        for _ in 0..<(seconds * 50) {
            if exitStatus(of: process) != nil { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Ends the command (by its own process id) if it still runs.
    package func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
        }
        // A child may ignore SIGTERM: a ServiceGroup run earlier in the test process sets SIGTERM to SIG_IGN (its
        // UnixSignals source), and an ignored signal stays ignored across exec. After two seconds it is killed.
        if waitForExitBlocking(process, within: .seconds(2)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExitBlocking(process, within: .seconds(10))
        }
    }
}
