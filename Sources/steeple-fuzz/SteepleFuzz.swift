#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error (`stderr` itself is shared mutable state to Swift 6).
func printError(_ message: String) {
    _ = message.withCString { write(2, $0, strlen($0)) }
}

#if STEEPLE_FUZZ
// The libFuzzer build (scripts/fuzz): libFuzzer's own `main` drives the target named by STEEPLE_FUZZ_TARGET.

nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_: UnsafeMutablePointer<CInt>, _: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["STEEPLE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: " ")
        printError("steeple-fuzz: set STEEPLE_FUZZ_TARGET to one of: \(names)\n")
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selectedTarget!.run(input)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable with `--defsym main=<module>_main`; with no `@main` in this build, this is that
/// symbol, and it hands the process to libFuzzer's driver.
@_cdecl("steeple_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) }
}

#else

/// `steeple-fuzz`: the fuzz targets of docs/fuzzing.md in a normal build.
///
///     steeple-fuzz list
///     steeple-fuzz replay-all [--corpus Fuzz/Corpus]            every committed input of every target
///     steeple-fuzz replay <target> <file>...                   (a crash file, for instance)
///     steeple-fuzz mutate-all --seconds N [--seed S]           N seconds of random mutation per target
///     steeple-fuzz mutate <target> --seconds N [--seed S]
///     steeple-fuzz make-seeds [--corpus Fuzz/Corpus]           regenerates the generated seeds
///
/// A crashing input is written to `Fuzz/Crashes/<target>-<pid>` (not committed) before the process dies.
@main
enum SteepleFuzz {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let command = arguments.isEmpty ? "help" : arguments.removeFirst()
        let corpus = option("--corpus", in: &arguments) ?? "Fuzz/Corpus"
        let crashes = option("--crashes", in: &arguments) ?? "Fuzz/Crashes"
        let seconds = Double(option("--seconds", in: &arguments) ?? "5") ?? 5
        let seed = UInt64(option("--seed", in: &arguments) ?? "") ?? UInt64.random(in: 0...UInt64.max)
        CrashRecorder.install(directory: crashes)

        switch command {
        case "list":
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        case "replay-all":
            var total = 0
            for target in FuzzTargets.all {
                total += replay(target, files: corpusFiles(corpus, target), crashes: crashes)
            }
            print("replayed \(total) inputs over \(FuzzTargets.all.count) targets: no crash")
        case "replay":
            guard let name = arguments.first, let target = FuzzTargets.named(name) else { usage() }
            _ = replay(target, files: arguments.dropFirst().map { $0 }, crashes: crashes)
        case "mutate-all":
            print("mutating every target for \(seconds) s (seed \(seed))")
            for target in FuzzTargets.all {
                mutate(target, seconds: seconds, seed: seed, corpus: corpus, crashes: crashes)
            }
        case "mutate":
            guard let name = arguments.first, let target = FuzzTargets.named(name) else { usage() }
            print("mutating \(name) for \(seconds) s (seed \(seed))")
            mutate(target, seconds: seconds, seed: seed, corpus: corpus, crashes: crashes)
        case "make-seeds":
            Seeds.write(to: corpus)
        default:
            usage()
        }
    }

    private static func usage() -> Never {
        printError(
            """
            usage: steeple-fuzz list | replay-all [--corpus DIR] | replay TARGET FILE... |
                   mutate-all --seconds N [--seed S] | mutate TARGET --seconds N [--seed S] | make-seeds [--corpus DIR]

            """)
        exit(2)
    }

    private static func option(_ name: String, in arguments: inout [String]) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        let value = arguments[index + 1]
        arguments.removeSubrange(index...(index + 1))
        return value
    }

    static func corpusFiles(_ corpus: String, _ target: FuzzTarget) -> [String] {
        let directory = corpus + "/" + target.name
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }

    private static func read(_ path: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("steeple-fuzz: cannot read \(path)\n")
            exit(1)
        }
        return [UInt8](data)
    }

    private static func replay(_ target: FuzzTarget, files: [String], crashes: String) -> Int {
        CrashRecorder.setTarget(target.name, directory: crashes)
        guard !files.isEmpty else {
            printError("steeple-fuzz: \(target.name) has no corpus inputs\n")
            exit(1)
        }
        let start = ContinuousClock.now
        for file in files {
            let input = read(file)
            CrashRecorder.record(input)
            target.run(input)
        }
        print("\(target.name): \(files.count) inputs replayed in \(ContinuousClock.now - start)")
        return files.count
    }

    private static func mutate(_ target: FuzzTarget, seconds: Double, seed: UInt64, corpus: String, crashes: String) {
        CrashRecorder.setTarget(target.name, directory: crashes)
        let seeds = corpusFiles(corpus, target).map(read)
        var mutator = Mutator(seed: seed ^ fnv1a(target.name), corpus: seeds)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        var runs = 0
        var previous: [UInt8]?
        while clock.now < deadline {
            let input = mutator.mutant(of: previous)
            CrashRecorder.record(input)
            target.run(input)
            previous = input
            runs += 1
        }
        print("\(target.name): \(runs) mutated inputs in \(seconds) s, no crash")
    }

    /// A per-target seed that is the same in every process (`hashValue` is not).
    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}

#endif
