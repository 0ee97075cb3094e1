import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard error for the log handlers: one line at a time, so that concurrent lines (of any handler of the process)
/// never interleave.
enum StandardError {
    private static let lock = Mutex(())

    /// Writes `text` to file descriptor 2 with `write(2)`, whole (short writes and `EINTR` retried).
    @Sendable static func write(_ text: String) {
        write(text, to: 2)
    }

    /// Writes `text` to `descriptor`, whole, under the same lock as standard error's lines.
    static func write(_ text: String, to descriptor: Int32) {
        var text = text
        lock.withLock { _ in
            text.withUTF8 { buffer in
                guard var pointer = buffer.baseAddress else { return }
                var remaining = buffer.count
                while remaining > 0 {
                    #if canImport(Glibc)
                    let written = Glibc.write(descriptor, pointer, remaining)
                    #else
                    let written = Darwin.write(descriptor, pointer, remaining)
                    #endif
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    pointer += written
                    remaining -= written
                }
            }
        }
    }
}
