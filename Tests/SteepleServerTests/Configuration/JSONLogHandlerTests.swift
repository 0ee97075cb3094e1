import Foundation
import Logging
import Synchronization
import Testing

@testable import steeple_server

@Suite("log_format = json")
struct JSONLogHandlerTests {
    /// Collects the lines a handler writes.
    private final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    private func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        var handler = JSONLogHandler(
            label: "steeple-server", write: { lines.append($0) }, now: { Date(timeIntervalSince1970: 1_700_000_000.25) }
        )
        handler.logLevel = level
        return Logger(label: "steeple-server") { _ in handler }
    }

    @Test("writes one JSON object per line with time, level, msg, logger and the metadata")
    func writesObjects() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "trust_domain"] = "example.org"
        logger.info("server started", metadata: ["port": "8081", "msg": "clash", "tags": ["a", "b"]])
        logger.debug("not written")
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == "server started")
        #expect(object["logger"] as? String == "steeple-server")
        #expect(object["time"] as? String == "2023-11-14T22:13:20.250Z")
        #expect(object["port"] as? String == "8081")
        #expect(object["trust_domain"] as? String == "example.org")
        #expect(object["fields.msg"] as? String == "clash")
        #expect(object["tags"] as? [String] == ["a", "b"])
    }

    @Test("escapes quotes, backslashes and control characters")
    func escapes() throws {
        let lines = Lines()
        logger(lines).warning("a \"quoted\" \\ path\nnext\u{01}")
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "a \"quoted\" \\ path\nnext\u{01}")
        #expect(object["level"] as? String == "warning")
    }
}
