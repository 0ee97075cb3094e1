import Foundation
import Logging
import SteepleLogging
import Synchronization
import Testing

@Suite("JSONLogHandler")
struct JSONLogHandlerTests {
    /// Collects the lines a handler writes.
    private final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// 2023-11-14T22:13:20.25Z
    private static let fixedTime = LogTime(seconds: 1_700_000_000, nanoseconds: 250_000_000, utcOffset: 0)

    private func logger(
        _ lines: Lines, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil
    ) -> Logger {
        var handler = JSONLogHandler(
            label: "steeple-agent", metadataProvider: metadataProvider, clock: { Self.fixedTime }, write: { lines.append($0) })
        handler.logLevel = level
        return Logger(label: "steeple-agent") { _ in handler }
    }

    private func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("the line is logrus's: compact, keys in byte order, level/msg/time, the metadata as top-level keys")
    func exactLine() throws {
        let lines = Lines()
        logger(lines).info("node attested", metadata: ["spiffe_id": "spiffe://example.org/host", "Zone": "a"])
        #expect(lines.all == [
            #"{"Zone":"a","level":"info","logger":"steeple-agent","msg":"node attested","spiffe_id":"spiffe://example.org/host","time":"2023-11-14T22:13:20.25Z"}"#
                + "\n"
        ])
    }

    @Test("metadata: handler, provider and call merged (later wins); arrays and dictionaries nested; clashes prefixed")
    func metadata() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["request": "from-provider", "trace": "t-1"] }
        var logger = logger(lines, metadataProvider: provider)
        logger[metadataKey: "trust_domain"] = "example.org"
        logger[metadataKey: "request"] = "from-handler"
        logger.warning(
            "entries synced",
            metadata: [
                "request": "from-call", "count": .stringConvertible(3), "ids": ["a", "b"],
                "nested": ["z": "1", "a": ["x"]], "msg": "clash", "time": "clash-time", "level": "clash-level",
                "logger": "clash-logger",
            ])
        let line = try #require(lines.all.first)
        let object = try object(line)
        #expect(object["level"] as? String == "warning")
        #expect(object["msg"] as? String == "entries synced")
        #expect(object["time"] as? String == "2023-11-14T22:13:20.25Z")
        #expect(object["logger"] as? String == "steeple-agent")
        #expect(object["trust_domain"] as? String == "example.org")
        #expect(object["request"] as? String == "from-call")
        #expect(object["trace"] as? String == "t-1")
        #expect(object["count"] as? String == "3")
        #expect(object["ids"] as? [String] == ["a", "b"])
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["z"] as? String == "1")
        #expect(nested["a"] as? [String] == ["x"])
        #expect(object["fields.msg"] as? String == "clash")
        #expect(object["fields.time"] as? String == "clash-time")
        #expect(object["fields.level"] as? String == "clash-level")
        #expect(object["fields.logger"] as? String == "clash-logger")
        #expect(line.contains(#""nested":{"a":["x"],"z":"1"}"#))
    }

    @Test("an event's error is the error key; a metadata error key is kept as it is when the event has none")
    func errors() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "permission denied" } }
        let lines = Lines()
        let logger = logger(lines)
        logger.error("sync failed", error: Refused(), metadata: ["error": "from-metadata"])
        logger.error("agent failed", metadata: ["error": "server unreachable"])
        let first = try object(try #require(lines.all.first))
        #expect(first["error"] as? String == "permission denied")
        #expect(first["fields.error"] as? String == "from-metadata")
        let second = try object(lines.all[1])
        #expect(second["error"] as? String == "server unreachable")
        #expect(second["fields.error"] == nil)
    }

    @Test("levels are logrus's names; lines below the handler's level are not written")
    func levels() throws {
        let lines = Lines()
        let logger = logger(lines, level: .trace)
        logger.trace("t")
        logger.debug("d")
        logger.info("i")
        logger.notice("n")
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        let levels = try lines.all.map { try object($0)["level"] as? String }
        #expect(levels == ["trace", "debug", "info", "info", "warning", "error", "error"])

        let quiet = Lines()
        let warnings = self.logger(quiet, level: .warning)
        warnings.info("not written")
        warnings.notice("not written")
        warnings.warning("written")
        #expect(quiet.all.count == 1)
    }

    @Test("strings are escaped as Go's encoding/json escapes them (HTML escaping on)")
    func escaping() throws {
        let message = "say \"hi\" \\ path\nnext\r\tend\u{08}\u{0C}\u{01}\u{1F}\u{7F} <b>&amp; \u{2028}\u{2029}"
        let lines = Lines()
        logger(lines).info("\(message)", metadata: ["quote\"key": "é 漢字 🦀"])
        let line = try #require(lines.all.first)
        #expect(line.contains(
            #""msg":"say \"hi\" \\ path\nnext\r\tend\b\f\u0001\u001f"# + "\u{7F}"
                + #" \u003cb\u003e\u0026amp; \u2028\u2029""#))
        #expect(line.contains(#""quote\"key":"é 漢字 🦀""#))
        let object = try object(line)
        #expect(object["msg"] as? String == message)
        #expect(object["quote\"key"] as? String == "é 漢字 🦀")
    }

    @Test(
        "time is Go's RFC3339Nano: trailing zeros dropped, no fraction when zero, Z or the local offset",
        arguments: [
            (LogTime(seconds: 1_700_000_000, nanoseconds: 0, utcOffset: 0), "2023-11-14T22:13:20Z"),
            (LogTime(seconds: 1_700_000_000, nanoseconds: 1, utcOffset: 0), "2023-11-14T22:13:20.000000001Z"),
            (LogTime(seconds: 1_700_000_000, nanoseconds: 123_456_789, utcOffset: 0), "2023-11-14T22:13:20.123456789Z"),
            (LogTime(seconds: 1_700_000_000, nanoseconds: 120_000_000, utcOffset: 3600), "2023-11-14T23:13:20.12+01:00"),
            (LogTime(seconds: 1_700_000_000, nanoseconds: 0, utcOffset: 19800), "2023-11-15T03:43:20+05:30"),
            (LogTime(seconds: 1_700_000_000, nanoseconds: 5_000, utcOffset: -28800), "2023-11-14T14:13:20.000005-08:00"),
            (LogTime(seconds: 0, nanoseconds: 0, utcOffset: 0), "1970-01-01T00:00:00Z"),
        ])
    func time(time: LogTime, expected: String) {
        #expect(time.rfc3339Nano == expected)
    }

    @Test("the clock gives the local offset and a time that parses as RFC 3339")
    func clock() throws {
        let time = LogTime.now()
        #expect(time.utcOffset == TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time.seconds))))
        #expect((0..<1_000_000_000).contains(time.nanoseconds))
        #expect(abs(Double(time.seconds) - Date().timeIntervalSince1970) < 60)
        let text = time.rfc3339Nano
        #expect(text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)/) != nil, "\(text)")
        let parsed = try #require(ISO8601DateFormatter().date(from: text.replacing(/\.\d+/, with: "")))
        #expect(Int(parsed.timeIntervalSince1970) == time.seconds)
    }
}
