import Foundation
@testable import SteepleServer
import Testing

@Suite("SPIRE ListAgents by_expires_before")
struct SPIREAgentFilterTests {
    @Test("SPIRE's form (Go's \"2006-01-02 15:04:05 -0700 -07\") with any zone offset")
    func parses() {
        #expect(SPIREAgentService.parseExpiresBefore("2026-12-04 18:00:00 +0000 +00")?.timeIntervalSince1970 == 1_796_407_200)
        #expect(SPIREAgentService.parseExpiresBefore("2026-12-04 20:00:00 +0200 +02")?.timeIntervalSince1970 == 1_796_407_200)
        #expect(SPIREAgentService.parseExpiresBefore("2026-12-04 12:30:00 -0530 -0530")?.timeIntervalSince1970 == 1_796_407_200)
        #expect(SPIREAgentService.parseExpiresBefore("2026-12-04 18:00:00 +0000")?.timeIntervalSince1970 == 1_796_407_200)
    }

    @Test("anything else is refused, not ignored", arguments: ["", "2026-12-04", "2026-12-04T18:00:00Z", "2026-13-04 18:00:00 +0000 +00", "2026-12-04 25:00:00 +0000 +00", "2026-12-04 18:00:00 0000 +00"])
    func refuses(_ text: String) {
        #expect(SPIREAgentService.parseExpiresBefore(text) == nil)
    }
}
