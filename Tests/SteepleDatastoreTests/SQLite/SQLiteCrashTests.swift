import Foundation
import SteepleDatastore
import SteepleDatastoreSQLite
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The durability promise, across a real process boundary: a write the store acknowledged survives `kill -9`.
@Suite("SQLiteDatastore crash durability")
struct SQLiteCrashTests {
    /// How many acknowledgements to read before killing the writer; it keeps writing meanwhile.
    static let acknowledgementsBeforeKill = 300

    @Test("every entry acknowledged by a writer killed with SIGKILL is present after reopening")
    func killNine() async throws {
        let binary = try #require(
            Self.crashTestBinary(),
            "steeple-datastore-crashtest not found next to the test binary"
        )
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("crash.sqlite")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [path, "1000000"]
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()

            // Read acks on a plain thread (the reads block), kill the writer mid-stream, then drain what it
            // printed before dying: those were acknowledged too.
            let reader = LineReader(stdout.fileHandleForReading)
            let acked = await Self.onThread { () -> [String] in
                var lines: [String] = []
                while lines.filter({ $0.hasPrefix("ack ") }).count < Self.acknowledgementsBeforeKill,
                    let line = reader.nextLine()
                {
                    lines.append(line)
                }
                kill(process.processIdentifier, SIGKILL)
                while let line = reader.nextLine() { lines.append(line) }
                return lines
            }
            process.waitUntilExit()
            let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .uncaughtSignal, "writer exited by itself: \(errors)")
            #expect(process.terminationStatus == SIGKILL)
            #expect(acked.first == "ready")

            let acks = acked.filter { $0.hasPrefix("ack ") }.map { $0.split(separator: " ") }
            #expect(acks.count >= Self.acknowledgementsBeforeKill)

            let store = try SQLiteDatastore(path: path)
            let events = try await store.listEvents(after: 0, limit: Pagination.maximumSize)
            let eventIDs = Dictionary(uniqueKeysWithValues: events.map { ($0.seq, $0.id) })
            var missing: [String] = []
            for ack in acks {
                let id = String(ack[1])
                let seq = UInt64(ack[2])!
                if try await store.fetchEntry(id: id) == nil || eventIDs[seq] != id {
                    missing.append(id)
                }
            }
            #expect(missing.isEmpty, "acknowledged but lost: \(missing)")
            // Nothing more than what was written, and the sequence is still gap-free after recovery.
            // One writer commits in sequence: at most the commit in flight at the kill is present unacknowledged.
            let count = try await store.countEntries(.init())
            #expect(count >= acks.count && count <= acks.count + 1)
            #expect(events.map(\.seq) == Array(1...UInt64(events.count)))
            print("kill -9 test: \(acks.count) acknowledged, \(count) present after recovery")
            try store.close()
        }
    }

    /// The crash-test executable, built next to the test binary.
    static func crashTestBinary() -> String? {
        var directories: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path)
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path)
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent().path)
        for directory in directories {
            let candidate = directory + "/steeple-datastore-crashtest"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Runs blocking work on its own thread, off the cooperative pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}

/// Reads `\n`-terminated lines from a pipe, blocking.
final class LineReader: @unchecked Sendable {
    // Used from one thread at a time (the `onThread` closure), so no lock is needed.
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    /// The next complete line, or `nil` at end of file (a partial last line is dropped: it was never acked).
    func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(contentsOf: chunk)
        }
    }
}
