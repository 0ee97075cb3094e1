import SPIFFE
import SteepleDatastore
import SteepleDatastoreSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The child process of the kill -9 durability test (`SQLiteCrashTests`).
///
/// Usage: `steeple-datastore-crashtest <database path> <maximum entries>`. Opens the SQLite store, prints
/// `ready`, then creates entries `crash-0`, `crash-1`… one transaction each, and after each commit prints
/// `ack <entry id> <seq>` and flushes. The parent kills it with SIGKILL at some point after reading acks, and
/// checks that every acknowledged entry survived. It stops by itself after `<maximum entries>`.
@main
struct CrashTestWriter {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let maximum = Int(arguments[2]) else {
            fail("usage: steeple-datastore-crashtest <database path> <maximum entries>")
        }
        do {
            let store = try SQLiteDatastore(path: arguments[1])
            let parentID = try SPIFFEID("spiffe://example.org/spire/agent/crashtest")
            emit("ready")
            for index in 0..<maximum {
                let entry = RegistrationEntry(
                    id: "crash-\(index)",
                    spiffeID: try SPIFFEID("spiffe://example.org/crash/\(index)"),
                    parentID: parentID,
                    selectors: [try Selector("unix:uid:\(index)")]
                )
                let committed = try await store.createEntry(entry)
                emit("ack \(entry.id) \(committed.seq)")
            }
            emit("done")
        } catch {
            fail("error: \(error)")
        }
    }

    /// Writes a line to stdout with one unbuffered `write`, so the parent sees each ack as soon as the commit
    /// returned.
    static func emit(_ line: String) {
        writeAll(STDOUT_FILENO, line + "\n")
    }

    static func fail(_ message: String) -> Never {
        writeAll(STDERR_FILENO, message + "\n")
        exit(2)
    }

    private static func writeAll(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                exit(3)
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
