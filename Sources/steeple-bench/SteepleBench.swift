#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `steeple-bench`: prints the core library's benchmark figures.
///
/// Usage: `swift run -c release steeple-bench [--quick] [--markdown FILE]`. `--quick` runs 1 % of the
/// iterations (a smoke run for CI: its figures mean nothing); `--markdown FILE` also writes the results as a
/// Markdown table.
@main
struct SteepleBench {
    static func main() async throws {
        var arguments = CommandLine.arguments.dropFirst()
        var scale = 1.0
        var markdownPath: String?
        while let argument = arguments.popFirst() {
            switch argument {
            case "--quick": scale = 0.01
            case "--markdown": markdownPath = arguments.popFirst()
            default:
                print("unknown argument \(argument): expected --quick or --markdown FILE")
                exit(2)
            }
        }
        var runner = BenchmarkRunner(scale: scale)
        print(BenchmarkRunner.header)
        try await CoreBenchmarks.run(&runner)
        if let markdownPath {
            try (runner.markdown() + "\n").write(toFile: markdownPath, atomically: true, encoding: .utf8)
        }
    }
}
