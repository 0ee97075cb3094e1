import Foundation
import SteepleTestSupport
import Synchronization

/// A long-running child process whose standard output is read line by line as it arrives.
final class LineReader: @unchecked Sendable {
    // @unchecked: `process` is only read after init; lines are behind a Mutex.
    private let process: Process
    private let lines = Mutex<[String]>([])

    init(executable: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let buffer = Mutex<String>("")
        pipe.fileHandleForReading.readabilityHandler = { [lines] handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            let complete: [String] = buffer.withLock { text in
                text += chunk
                var parts = text.components(separatedBy: "\n")
                text = parts.removeLast()
                return parts
            }
            lines.withLock { $0 += complete }
        }
        try process.run()
        self.process = process
    }

    /// Waits until a line containing `text` has been printed; returns it.
    func waitForLine(containing text: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.withLock({ $0.first { $0.contains(text) } }) { return line }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw CLIFailure(message: "no line containing \(text) within \(timeout); got:\n" + lines.withLock { $0.joined(separator: "\n") })
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
