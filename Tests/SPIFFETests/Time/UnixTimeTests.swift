import Foundation
@testable import SPIFFE
import Testing

@Suite("UnixTime and TTL: checked time conversions")
struct UnixTimeTests {
    @Test("accepts the years 1970 to 9999", arguments: [Int64(0), 1_767_225_600, 253_402_300_799])
    func acceptsRange(seconds: Int64) throws {
        let time = try UnixTime(seconds: seconds)
        #expect(time.seconds == seconds)
        #expect(try UnixTime(time.date) == time)
    }

    @Test("refuses seconds outside the years 1970 to 9999", arguments: [Int64.min, -1, 253_402_300_800, Int64.max])
    func refusesSeconds(seconds: Int64) {
        let error = #expect(throws: SPIFFEError.self) { try UnixTime(seconds: seconds, field: "expires_at") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("expires_at") == true)
    }

    @Test("refuses dates that do not fit, without trapping",
          arguments: [Double(Int64.max), 9.3e18, -9.3e18, .infinity, -.infinity, .nan, 1e300])
    func refusesDates(seconds: Double) {
        let error = #expect(throws: SPIFFEError.self) { try UnixTime(Date(timeIntervalSince1970: seconds)) }
        #expect(error?.code == .invalidArgument)
    }

    @Test("rounds a date down to whole seconds")
    func roundsDown() throws {
        #expect(try UnixTime(Date(timeIntervalSince1970: 10.9)).seconds == 10)
    }

    @Test("clamps for display without trapping")
    func clamps() {
        #expect(UnixTime.clampedSeconds(Date(timeIntervalSince1970: 9.3e18)) == UnixTime.range.upperBound)
        #expect(UnixTime.clampedSeconds(Date(timeIntervalSince1970: -.infinity)) == 0)
        #expect(UnixTime.clampedSeconds(Date(timeIntervalSince1970: 42.5)) == 42)
    }

    @Test("adding a TTL past the year 9999 gives nil")
    func addingOverflows() throws {
        let late = try UnixTime(seconds: UnixTime.range.upperBound - 10)
        #expect(late.adding(try TTL(seconds: 5))?.seconds == UnixTime.range.upperBound - 5)
        #expect(late.adding(try TTL(seconds: 11)) == nil)
    }

    @Test("a TTL is 1 second to 100 years", arguments: [Int64(0), -1, TTL.maximumSeconds + 1, Int64.max, Int64.min])
    func ttlRange(seconds: Int64) {
        let error = #expect(throws: SPIFFEError.self) { try TTL(seconds: seconds, field: "x509_svid_ttl") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("x509_svid_ttl") == true)
    }

    @Test("a TTL converts to a Duration and back")
    func ttlDuration() throws {
        let ttl = try TTL(.seconds(3600))
        #expect(ttl.seconds == 3600)
        #expect(ttl.duration == .seconds(3600))
        #expect(throws: SPIFFEError.self) { try TTL(.milliseconds(500)) }
    }

    @Test("a JWT exp far beyond the year 9999 is malformed, not a trap")
    func jwtHugeExp() throws {
        let claims = #"{"sub":"spiffe://example.org/w","aud":["a"],"exp":1e300}"#
        let token = Base64URL.encode(Array(#"{"alg":"ES256","kid":"k","typ":"JWT"}"#.utf8)) + "." + Base64URL.encode(Array(claims.utf8)) + ".c2ln"
        let error = #expect(throws: SPIFFEError.self) { try JWTSVID.parseInsecure(token: token, audience: ["a"]) }
        #expect(error?.code == .malformedJWT)
    }
}
