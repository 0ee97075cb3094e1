package import Foundation

/// A real `steeple-server` process for end-to-end tests: started from the build directory with a config file
/// in a temporary folder, driven through the real CLI over its Unix socket.
package final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this object.
    package let directory: String
    package let socketPath: String
    private var process: Process?
    package private(set) var log: String
    /// Variables added to the server's environment, such as `SSL_CERT_FILE`.
    package var environment: [String: String] = [:]

    package init(trustDomain: String = "example.org", bindAddress: String = "127.0.0.1", bindPort: Int = 0, extraServerLines: [String] = [], plugins: String = #"NodeAttestor "join_token" {}"#, extraBlocks: String = "") throws {
        directory = NSTemporaryDirectory() + "steeple-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/admin/api.sock"
        log = directory + "/server.log"
        let config = (["server {", #"    trust_domain = "\#(trustDomain)""#, #"    data_dir = "\#(directory)/data""#,
            #"    socket_path = "\#(socketPath)""#, #"    bind_address = "\#(bindAddress)""#, #"    bind_port = "\#(bindPort)""#] + extraServerLines.map { "    " + $0 }
            + ["}", "plugins {", "    " + plugins, "}", extraBlocks]).joined(separator: "\n")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    package var configPath: String { directory + "/server.conf" }

    static var binary: String {
        get throws { try builtExecutable("steeple-server") }
    }

    /// Starts the server and waits until `healthcheck` passes.
    package func start() async throws {
        let process = try launch()
        for _ in 0..<300 {
            if try await cli(["healthcheck"]).status == 0 { return }
            guard exitStatus(of: process) == nil else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIFailure(message: "server did not become healthy; log:\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    /// Everything the server logged so far.
    package var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// The running server's process ID (for /proc figures), or nil when it is not running.
    package var processID: Int32? {
        guard let process, exitStatus(of: process) == nil else { return nil }
        return process.processIdentifier
    }

    /// Starts `steeple-server run` without waiting for it to become healthy.
    @discardableResult
    package func launch() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary)
        process.arguments = ["run", "-config", configPath]
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        return process
    }

    /// Sends SIGTERM and waits for a graceful exit; returns the exit status.
    @discardableResult
    package func stop() async throws -> Int32 {
        guard let process else { return 0 }
        self.process = nil
        return try await terminateGracefully(process)
    }

    package struct Output: Sendable {
        package let status: Int32
        package let stdout: String
        package let stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `steeple-server <arguments> -socketPath <socket>` and collects its output.
    package func cli(_ arguments: [String], stdin: String? = nil) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary)
        let needsSocket = !["run", "validate"].contains(arguments.first ?? "")
        process.arguments = arguments + (needsSocket ? ["-socketPath", socketPath] : [])
        return try await runCollectingOutput(process, stdin: stdin)
    }

    /// The process ID while running.
    package var pid: Int32? { process?.processIdentifier }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

package struct CLIFailure: Error, CustomStringConvertible {
    package let message: String
    package init(message: String) { self.message = message }
    package var description: String { message }
}

/// Runs a command-line tool (openssl) and returns its status and combined output.
package func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
    // On a thread of its own: a tool such as a Python interop script runs for seconds, and blocking one of the
    // cooperative pool's threads (two on a 2-core CI machine) that long starved every other test of the process.
    try await offCooperativePool { try runToolBlocking(path, arguments, environment: environment) }
}

/// ``runTool(_:_:environment:)`` on the calling thread, for short tools (openssl, curl) called from synchronous code.
package func runToolBlocking(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = closeOnExecPipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    guard let status = waitForExitBlocking(process, within: .seconds(60)) else {
        throw CLIFailure(message: "\(path) closed its output but did not exit within 60 s")
    }
    return (status, String(decoding: data, as: UTF8.self))
}

/// Runs blocking `body` on a new thread and waits for it without holding a thread of Swift's cooperative pool.
package func offCooperativePool<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}

/// The path of an executable of this package, found next to the test bundle (or in .build/debug).
package func builtExecutable(_ name: String) throws -> String {
    var directories: [String] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path)
    }
    directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path)
    directories.append(FileManager.default.currentDirectoryPath + "/.build/debug")
    for directory in directories {
        let candidate = directory + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw CLIFailure(message: "\(name) binary not found next to the tests (looked in \(directories))")
}
