import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole lines to standard error, one writer at a time, so concurrent log lines never interleave.
enum StandardError {
    private static let lock = Mutex(())

    /// Writes `line` and a newline with `write(2)`, retrying short writes and `EINTR`.
    static func writeLine(_ line: String) {
        var text = line
        text.append("\n")
        lock.withLock { _ in
            text.withUTF8 { buffer in
                guard var pointer = buffer.baseAddress else { return }
                var remaining = buffer.count
                while remaining > 0 {
                    let written = write(2, pointer, remaining)
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
