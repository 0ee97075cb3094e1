#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SPIRE's `log_file` / `-logFile`: log lines appended to a file (created 0640 if missing) instead of standard error.
/// Open for the life of the process; lines are written whole.
package final class LogFile: Sendable {
    private let descriptor: Int32

    /// Opens `path` for appending.
    /// - Throws: ``LogFileError`` naming the path and the system's reason.
    package init(path: String) throws(LogFileError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw LogFileError(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    @Sendable package func write(_ line: String) {
        StandardError.write(line, to: descriptor)
    }
}

/// `log_file` could not be opened.
package struct LogFileError: Error, Sendable, CustomStringConvertible {
    package let path: String
    package let reason: String

    package var description: String {
        "cannot open log_file \"\(path)\" for appending: \(reason); give a path in an existing directory this user may write"
    }
}
