#if canImport(Glibc)
import Glibc
#endif

import Foundation
import SteepleSupport
import Synchronization

/// Memory and CPU of another process, read from `/proc/<pid>/status` (VmRSS, VmHWM) and `/proc/<pid>/stat`
/// (utime + stime). Linux only; nil elsewhere or when the process is gone.
struct ProcessFigures {
    var residentKiB: Int
    var peakResidentKiB: Int
    /// The part of VmRSS that is the process's own memory (heap, stacks): RssAnon.
    var anonymousKiB: Int
    /// The part of VmRSS that is mapped files, mostly code of the binary and the shared Swift runtime: RssFile.
    var fileKiB: Int
    var cpuSeconds: Double

    static func read(pid: Int32) -> ProcessFigures? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        func kib(_ key: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis. Field 3 (state)
        // is the first one there, so utime (14) and stime (15) are the 12th and 13th.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]),
              let rss = kib("VmRSS"), let hwm = kib("VmHWM") else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessFigures(
            residentKiB: rss, peakResidentKiB: hwm, anonymousKiB: kib("RssAnon") ?? 0, fileKiB: kib("RssFile") ?? 0,
            cpuSeconds: (utime + stime) / ticks)
    }

    var description: String {
        "VmRSS \(Self.mebibytes(residentKiB)) MiB, VmHWM \(Self.mebibytes(peakResidentKiB)) MiB, CPU \(BenchFormat.seconds(cpuSeconds)) s (utime+stime)"
    }

    static func mebibytes(_ kib: Int) -> String { String(format: "%.1f", Double(kib) / 1024) }

    /// The resident KiB of each file mapped into `pid` (`/proc/<pid>/smaps`, the Rss of its mappings summed), largest
    /// first: what the RssFile figure is made of.
    static func residentFiles(pid: Int32) -> [(file: String, kib: Int)] {
        // FileIO reads to the end with read(2): a /proc file says its size is 0, and Foundation then read only its
        // first page.
        guard let smaps = FileIO.read(path: "/proc/\(pid)/smaps") else { return [] }
        var byFile: [String: Int] = [:]
        var current: String?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5 {  // a mapping's header: address range, perms, offset, dev, inode, path
                current = fields.count >= 6 && fields[5].hasPrefix("/") ? String(fields[5]) : nil
            } else if first == "Rss:", let current, fields.count >= 2, let kib = Int(fields[1]) {
                byFile[current, default: 0] += kib
            }
        }
        return byFile.map { ($0.key, $0.value) }.filter { $0.kib > 0 }.sorted { $0.kib > $1.kib }
    }
}

/// Formatting and percentiles shared by the scale and cold-start figures.
enum BenchFormat {
    static func seconds(_ value: Double) -> String { String(format: "%.2f", value) }

    static func seconds(_ duration: Duration) -> Double { LatencySample.seconds(duration) }

    static func milliseconds(_ duration: Duration) -> String { String(format: "%.1f", seconds(duration) * 1000) }

    /// "p50 … p99 … max …" of `samples`, in milliseconds.
    static func percentiles(_ samples: [Duration]) -> String {
        guard !samples.isEmpty else { return "no samples" }
        let sample = LatencySample(samples, elapsed: .zero)
        return "p50 \(milliseconds(sample.p50)) ms, p99 \(milliseconds(sample.p99)) ms, max \(milliseconds(sample.max)) ms (n=\(sample.count))"
    }

    /// Raises the soft open-file limit to the hard one: a thousand TLS connections from one process (and the
    /// server, which inherits the limit) need more than the usual 1,024.
    static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }
}

/// Unbuffered output for the long-running groups (`print` is block-buffered into a file or pipe, so a watcher
/// would see nothing until the end).
enum BenchOutput {
    private static let captured = Mutex<[String]?>(nil)

    static func line(_ text: String) {
        fflush(nil)  // what `print` buffered comes first
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
        captured.withLock { $0?.append(text) }
    }

    /// From now on, keeps the lines printed with ``line(_:)`` (they are printed as well) until ``endCapture()``.
    static func beginCapture() { captured.withLock { $0 = [] } }

    /// The lines printed since ``beginCapture()``; stops keeping them.
    static func endCapture() -> [String] {
        captured.withLock { lines in
            defer { lines = nil }
            return lines ?? []
        }
    }
}
