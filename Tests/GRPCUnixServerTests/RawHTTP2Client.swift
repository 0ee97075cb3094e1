import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/2 gRPC client in Python (no grpcio needed): connects to the socket, starts one
/// `test.Echo/Hold` call, prints `ready` once the first response DATA arrives and then sleeps until it is
/// killed. With another method it sends one message without END_STREAM, prints `ready` and sleeps. Lets a test run a client as another user (setpriv) and kill it with SIGKILL.
enum RawHTTP2Client {
    static let script = #"""
import socket, struct, sys, time
path = sys.argv[1]
method = sys.argv[2] if len(sys.argv) > 2 else '/test.Echo/Hold'
half_close = method == '/test.Echo/Hold'
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
def frame(kind, flags, stream, payload):
    return struct.pack('>I', len(payload))[1:] + bytes([kind, flags]) + struct.pack('>I', stream) + payload
def literal(name, value):
    name, value = name.encode(), value.encode()
    return b'\x00' + bytes([len(name)]) + name + bytes([len(value)]) + value
headers = (literal(':method', 'POST') + literal(':scheme', 'http') + literal(':path', method)
           + literal(':authority', 'localhost') + literal('content-type', 'application/grpc')
           + literal('te', 'trailers') + literal('x-client', 'raw'))
message = b'\x00' + struct.pack('>I', 3) + b'raw'
s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(4, 0, 0, b'') + frame(1, 4, 1, headers) + frame(0, 1 if half_close else 0, 1, message))
if not half_close:
    print('ready', flush=True)
    time.sleep(3600)
buffer = b''
while True:
    chunk = s.recv(65536)
    if not chunk:
        print('closed', flush=True)
        sys.exit(1)
    buffer += chunk
    while len(buffer) >= 9:
        length = int.from_bytes(buffer[0:3], 'big')
        if len(buffer) < 9 + length:
            break
        kind, stream = buffer[3], int.from_bytes(buffer[5:9], 'big') & 0x7fffffff
        if kind == 4 and buffer[4] & 1 == 0:
            s.sendall(frame(4, 1, 0, b''))
        if kind == 0 and stream == 1:
            print('ready', flush=True)
            time.sleep(3600)
        buffer = buffer[9 + length:]
"""#

    /// Starts the client (through `launcher`, e.g. setpriv) and returns once it printed `ready`. The blocking
    /// pipe read runs on a Dispatch thread: blocking the (2-thread) cooperative pool would starve the server.
    static func start(socketPath: String, method: String = "/test.Echo/Hold", launcher: [String] = []) async throws -> Process {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try startBlocking(socketPath: socketPath, method: method, launcher: launcher) })
            }
        }
    }

    /// SIGKILL, then reap.
    static func kill(_ process: Process) {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func startBlocking(socketPath: String, method: String, launcher: [String]) throws -> Process {
        let scriptPath = NSTemporaryDirectory() + "steeple-raw-h2-\(UUID().uuidString).py"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        // /usr/bin/python3: a pyenv shim under /root is out of reach for uid 65534.
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = launcher + [python, scriptPath, socketPath, method]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        try? FileManager.default.removeItem(atPath: scriptPath)
        guard String(decoding: line, as: UTF8.self) == "ready" else {
            kill(process)
            throw RawClientError(output: String(decoding: line, as: UTF8.self))
        }
        return process
    }

    struct RawClientError: Error { var output: String }
}
