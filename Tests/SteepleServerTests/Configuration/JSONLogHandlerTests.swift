import Logging
import SteepleLogging
import SteepleServer
import Testing

@testable import steeple_server

/// The format itself is tested in SteepleLoggingTests; here only that `log_format` picks it.
@Suite("log_format = json")
struct JSONLogHandlerTests {
    @Test("log_format picks the handler and log_level sets its level")
    func picksHandler() {
        let json = ServerLogging.makeHandler(label: "steeple-server", format: .json, level: .debug)
        #expect(json is JSONLogHandler)
        #expect(json.logLevel == .debug)
        let text = ServerLogging.makeHandler(label: "steeple-server", format: .text, level: .warning)
        #expect(text is TextLogHandler)
        #expect(text.logLevel == .warning)
    }
}
