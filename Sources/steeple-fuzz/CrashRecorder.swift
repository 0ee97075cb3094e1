#if canImport(Glibc)
import Glibc

/// Keeps a copy of the input being run so that, when it traps, a signal handler can write it to
/// `Fuzz/Crashes/<target>-<pid>` before the process dies (the built-in mutator's only way to report a crash; the
/// libFuzzer build writes its own `crash-<sha1>` files). Only async-signal-safe calls run in the handler.
enum CrashRecorder {
    private static let capacity = 1 << 20
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    /// The NUL-terminated path the handler writes to.
    nonisolated(unsafe) private static let path = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)

    /// Installs the handlers for SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE and SIGABRT.
    static func install(directory: String) {
        _ = mkdir(directory, 0o755)
        setTarget("unknown", directory: directory)
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                CrashRecorder.writeCurrentInput()
                raise(signal)  // SA_RESETHAND restored the default action: the process dies of the same signal
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)  // 0x80000000 does not fit an Int32 as a value
            sigaction(signal, &action, nil)
        }
    }

    /// Names the file a crash of `target` is written to.
    static func setTarget(_ target: String, directory: String) {
        let text = Array("\(directory)/\(target)-\(getpid())".utf8CString.prefix(4095))
        for (index, byte) in text.enumerated() { path[index] = byte }
        path[min(text.count, 4095)] = 0
    }

    /// Remembers `input` (its first MiB) as the one about to run.
    static func record(_ input: [UInt8]) {
        let count = min(input.count, capacity)
        input.withUnsafeBufferPointer { source in
            if count > 0 { buffer.update(from: source.baseAddress!, count: count) }
        }
        length = count
    }

    private static func writeCurrentInput() {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        _ = write(fd, buffer, length)
        _ = close(fd)
        let message = "steeple-fuzz: crashing input written to "
        _ = message.withCString { write(2, $0, strlen($0)) }
        _ = write(2, path, strlen(path))
        _ = write(2, "\n", 1)
    }
}
#else
enum CrashRecorder {
    static func install(directory _: String) {}
    static func setTarget(_: String, directory _: String) {}
    static func record(_: [UInt8]) {}
}
#endif
