import Foundation
import SPIFFE

/// A running child process (`openssl s_client`/`s_server`, an example executable) whose stdout and stderr go to one
/// file that tests poll.
final class ChildProcess {
    static let openssl = "/usr/bin/openssl"
    static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    private let process = Process()
    private let input = Pipe()
    private let outputURL: URL

    /// Starts `executable` (default: openssl) in `directory`, with `environment` added to this process's.
    init(_ arguments: [String], executable: String = ChildProcess.openssl, environment: [String: String] = [:], in directory: URL) throws {
        outputURL = directory.appendingPathComponent("child-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = directory
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Everything the command printed so far.
    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// Writes `text` to the command's standard input.
    func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Polls the output until `predicate` holds, for up to `seconds`; returns the output then.
    @discardableResult
    func waitForOutput(seconds: Int = 10, until predicate: (String) -> Bool) async throws -> String {
        for _ in 0..<(seconds * 50) {
            let text = output
            if predicate(text) { return text }
            if !process.isRunning { return output }
            try await Task.sleep(for: .milliseconds(20))
        }
        return output
    }

    /// Waits up to `seconds` for the command to exit by itself; returns whether it did.
    func waitForExit(seconds: Int = 10) async throws -> Bool {
        for _ in 0..<(seconds * 50) {
            if !process.isRunning { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Ends the command (by its own process id) if it still runs.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
    }
}

/// `svid.pem`, `key.pem` and `bundle.pem` in a new temporary directory, as `api fetch x509 -write` writes them.
struct PEMFiles {
    let directory: URL

    init(svid: X509SVID, bundle: X509Bundle) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spiffe-niossl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try svid.chainPEM.write(to: directory.appendingPathComponent("svid.pem"), atomically: true, encoding: .utf8)
        try svid.privateKeyPEM.write(to: directory.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        try bundle.pemRepresentation.write(to: directory.appendingPathComponent("bundle.pem"), atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
