import Foundation
import SteepleTestSupport
import Synchronization

/// A long-running child process whose standard output is read line by line as it arrives.
final class LineReader: @unchecked Sendable {
    // @unchecked: `process` is only read after init; lines are behind a Mutex.
    private let process: Process
    private let reader: FileHandle
    private let output = LineBuffer()

    init(executable: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = closeOnExecPipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        // At end of file the handler is removed at once: a dispatch read source left on a pipe whose writer is gone
        // fires forever, and one torn down while the file handle is released crashed libdispatch's event loop
        // (_dispatch_event_loop_drain, SIGSEGV) in a loaded test run.
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            output.append(String(decoding: data, as: UTF8.self))
        }
        try process.run()
        self.process = process
        self.reader = pipe.fileHandleForReading
    }

    /// Waits until a line containing `text` has been printed; returns it.
    func waitForLine(containing text: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(containing: text) { return line }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw CLIFailure(message: "no line containing \(text) within \(timeout); got:\n" + output.all.joined(separator: "\n"))
    }

    /// Waits until a line satisfying `predicate` has been printed; returns it and when it arrived.
    func waitForLine(timeout: Duration, where predicate: (String) -> Bool) async throws -> (line: String, arrival: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = output.first(where: predicate) { return found }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw CLIFailure(message: "no matching line within \(timeout); got:\n" + output.all.joined(separator: "\n"))
    }

    /// When the first line containing `text` arrived.
    func arrival(of text: String) -> ContinuousClock.Instant? { output.arrival(of: text) }

    func terminate() {
        if process.isRunning { process.terminate() }
        if waitForExitBlocking(process, within: .seconds(10)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExitBlocking(process, within: .seconds(10))
        }
        reader.readabilityHandler = nil
    }
}

/// Complete lines received so far, and the unfinished tail.
final class LineBuffer: Sendable {
    private let state = Mutex<(lines: [(String, ContinuousClock.Instant)], tail: String)>(([], ""))

    func append(_ chunk: String) {
        state.withLock { state in
            state.tail += chunk
            var parts = state.tail.components(separatedBy: "\n")
            state.tail = parts.removeLast()
            let now = ContinuousClock.now
            state.lines += parts.map { ($0, now) }
        }
    }

    func first(where predicate: (String) -> Bool) -> (String, ContinuousClock.Instant)? {
        state.withLock { $0.lines.first { predicate($0.0) } }
    }

    func first(containing text: String) -> String? { state.withLock { $0.lines.first { $0.0.contains(text) }?.0 } }

    func arrival(of text: String) -> ContinuousClock.Instant? { state.withLock { $0.lines.first { $0.0.contains(text) }?.1 } }

    var all: [String] { state.withLock { $0.lines.map(\.0) } }
}
