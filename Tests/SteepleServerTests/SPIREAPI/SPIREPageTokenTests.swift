@testable import SteepleServer
import SteepleDatastore
import Testing

@Suite("SPIRE API page tokens")
struct SPIREPageTokenTests {
    @Test("a token names its list and the store's position; it reads back to the same position")
    func roundTrip() throws {
        for position in ["entry-1", "spiffe://example.org/spire/agent/x", "a/b+c=d", "é"] {
            let token = SPIREPageToken.encode(position, .entries)
            #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"), "\(token) is not base64url without padding")
            let page = try SPIREPageToken.pagination(token, size: 10, .entries)
            #expect(page == Pagination(token: position, size: 10))
        }
        #expect(SPIREPageToken.encode(nil, .entries) == "")
    }

    @Test("no token: the first page; page size 0: everything at once; sizes above the store's maximum are clamped")
    func sizes() throws {
        #expect(try SPIREPageToken.pagination("", size: 5, .agents) == Pagination(token: nil, size: 5))
        #expect(try SPIREPageToken.pagination("", size: 0, .agents) == nil)
        #expect(try SPIREPageToken.pagination("", size: Int32.max, .agents)?.size == Pagination.maximumSize)
    }

    @Test("refused: a made-up token, a token of another list, a negative size, a token without a size")
    func refused() {
        for (token, size, expected) in [
            ("not-a-token", Int32(10), "could not parse token"),
            (SPIREPageToken.encode("x", .agents), 10, "could not parse token"),
            ("", -1, "page_size -1 is negative"),
            (SPIREPageToken.encode("x", .entries), 0, "page_token is set but page_size is 0"),
        ] {
            #expect(throws: APIRefusal.self) { try SPIREPageToken.pagination(token, size: size, .entries) }
            do {
                _ = try SPIREPageToken.pagination(token, size: size, .entries)
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
