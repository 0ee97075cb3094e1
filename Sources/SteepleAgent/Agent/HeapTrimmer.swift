#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap back to the kernel every `interval`. glibc keeps memory freed by short-lived work (a burst of
/// Workload API watchers: their connections, streams and messages) in its per-thread arenas, so without this the
/// agent's RSS after a burst stays at the burst's peak (issue #11: 51 → 70 MB over two rounds of 200 watchers). A
/// trim of an idle heap takes well under a millisecond. `malloc_trim` is glibc's (malloc.h is not in Swift's Glibc
/// module), so it is looked up at run time; on another C library this does nothing.
struct HeapTrimmer: Sendable {
    var interval: Duration = .seconds(15)

    func run() async {
        guard let trim = Self.mallocTrim else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            _ = trim(0)
        }
    }

    typealias MallocTrim = @convention(c) (Int) -> Int32

    static let mallocTrim: MallocTrim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
        #else
        return nil
        #endif
    }()
}
