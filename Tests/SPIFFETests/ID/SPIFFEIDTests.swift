import SPIFFE
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("SPIFFEID")
struct SPIFFEIDTests {
    static let valid = [
        "spiffe://example.org",
        "spiffe://example.org/workload",
        "spiffe://example.org/ns/default/sa/web",
        "spiffe://a/B/C-d_e.f",
        "spiffe://example..org/x",
        "spiffe://.example.org/x",
        "spiffe://-example.org/x",
        "spiffe://192.168.1.1/x",
        "spiffe://example.org/.path",
        "spiffe://example.org/..path",
        "spiffe://example.org/...",
        "spiffe://_/_",
    ]

    @Test("parses valid IDs and keeps them byte for byte", arguments: valid)
    func parsesValid(_ input: String) throws {
        let id = try SPIFFEID(input)
        #expect(id.string == input)
        #expect(id.description == input)
        #expect("spiffe://" + id.trustDomain.name + id.path == input)
    }

    static let invalidIDs: [(String, SPIFFEError.Code)] = [
        ("", .invalidSPIFFEID),
        ("spiffe", .invalidSPIFFEID),
        ("spiffe:/example.org/a", .invalidSPIFFEID),
        ("SPIFFE://example.org/a", .invalidSPIFFEID),
        ("Spiffe://example.org/a", .invalidSPIFFEID),
        ("http://example.org/a", .invalidSPIFFEID),
        ("example.org/a", .invalidSPIFFEID),
        (" spiffe://example.org/a", .invalidSPIFFEID),
        ("spiffe://", .invalidTrustDomain),
        ("spiffe:///path", .invalidTrustDomain),
        ("spiffe://EXAMPLE.org/a", .invalidTrustDomain),
        ("spiffe://example.org:8080/a", .invalidTrustDomain),
        ("spiffe://user@example.org/a", .invalidTrustDomain),
        ("spiffe://user:pw@example.org/a", .invalidTrustDomain),
        ("spiffe://[::1]/a", .invalidTrustDomain),
        ("spiffe://exa%41mple.org/a", .invalidTrustDomain),
        ("spiffe://example.org?query", .invalidTrustDomain),
        ("spiffe://example.org#frag", .invalidTrustDomain),
        ("spiffe://example.org/", .invalidSPIFFEID),
        ("spiffe://example.org/a/", .invalidSPIFFEID),
        ("spiffe://example.org//a", .invalidSPIFFEID),
        ("spiffe://example.org/a//b", .invalidSPIFFEID),
        ("spiffe://example.org/.", .invalidSPIFFEID),
        ("spiffe://example.org/..", .invalidSPIFFEID),
        ("spiffe://example.org/a/./b", .invalidSPIFFEID),
        ("spiffe://example.org/a/../b", .invalidSPIFFEID),
        ("spiffe://example.org/a%2Fb", .invalidSPIFFEID),
        ("spiffe://example.org/a?x=1", .invalidSPIFFEID),
        ("spiffe://example.org/a#frag", .invalidSPIFFEID),
        ("spiffe://example.org/a b", .invalidSPIFFEID),
        ("spiffe://example.org/path\n", .invalidSPIFFEID),
        ("spiffe://example.org/caf\u{E9}", .invalidSPIFFEID),
    ]

    @Test("rejects malformed IDs with the code of the broken rule", arguments: invalidIDs)
    func rejectsInvalid(_ input: String, _ code: SPIFFEError.Code) {
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(input) }
        #expect(error?.code == code)
        #expect(error?.message.isEmpty == false)
    }

    @Test("accepts 2048 bytes and rejects 2049")
    func lengthLimit() throws {
        let prefix = "spiffe://example.org/"
        let ok = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(try SPIFFEID(ok).string.utf8.count == 2048)
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(ok + "a") }
        #expect(error?.code == .invalidSPIFFEID)
    }

    @Test("accepts a 255-byte trust domain and rejects 256 bytes")
    func trustDomainLengthLimit() throws {
        let name = String(repeating: "t", count: 255)
        #expect(try TrustDomain(name).name == name)
        #expect(try SPIFFEID("spiffe://\(name)/a").trustDomain.name == name)
        let error = #expect(throws: SPIFFEError.self) { try TrustDomain(name + "t") }
        #expect(error?.code == .invalidTrustDomain)
    }

    @Test("splits trust domain and path")
    func components() throws {
        let id = try SPIFFEID("spiffe://example.org/ns/web")
        #expect(id.trustDomain == (try TrustDomain("example.org")))
        #expect(id.path == "/ns/web")
        #expect(id.hasPath)
        #expect(id.isMember(of: try TrustDomain("example.org")))
        #expect(!id.isMember(of: try TrustDomain("example.com")))
        let root = try SPIFFEID("spiffe://example.org")
        #expect(root.path == "")
        #expect(!root.hasPath)
        #expect(root == root.trustDomain.id)
    }

    @Test("builds IDs from a trust domain and a path or segments")
    func building() throws {
        let td = try TrustDomain("example.org")
        #expect(try SPIFFEID(trustDomain: td, path: "/a/b").string == "spiffe://example.org/a/b")
        #expect(try SPIFFEID(trustDomain: td, path: "").string == "spiffe://example.org")
        #expect(try SPIFFEID(trustDomain: td, segments: ["ns", "web"]).string == "spiffe://example.org/ns/web")
        for bad in ["a", "/a/", "//a", "/a/..", "/%41"] {
            let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(trustDomain: td, path: bad) }
            #expect(error?.code == .invalidSPIFFEID)
        }
        for bad in [["a/b"], [""], ["."], [".."], ["a b"]] {
            let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(trustDomain: td, segments: bad) }
            #expect(error?.code == .invalidSPIFFEID)
        }
        let long = [String(repeating: "x", count: 2048)]
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(trustDomain: td, segments: long) }
        #expect(error?.code == .invalidSPIFFEID)
    }

    @Test("orders, hashes and codes as its string")
    func valueSemantics() throws {
        let a = try SPIFFEID("spiffe://example.org/a")
        let b = try SPIFFEID("spiffe://example.org/b")
        #expect(a < b)
        #expect(Set([a, try SPIFFEID("spiffe://example.org/a")]).count == 1)
        let json = try JSONEncoder().encode([a])
        #expect(String(decoding: json, as: UTF8.self) == #"["spiffe:\/\/example.org\/a"]"#)
        #expect(try JSONDecoder().decode([SPIFFEID].self, from: json) == [a])
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode([SPIFFEID].self, from: Data(#"["spiffe://EXAMPLE.org/a"]"#.utf8))
        }
    }
}

@Suite("TrustDomain")
struct TrustDomainTests {
    @Test("parses a bare name or takes the trust domain of a SPIFFE ID")
    func forms() throws {
        #expect(try TrustDomain("example.org").name == "example.org")
        #expect(try TrustDomain("spiffe://example.org").name == "example.org")
        #expect(try TrustDomain("spiffe://example.org/a/b").name == "example.org")
        #expect(try TrustDomain("example.org").idString == "spiffe://example.org")
        #expect(try TrustDomain("example.org").id.string == "spiffe://example.org")
    }

    static let invalid: [(String, SPIFFEError.Code)] = [
        ("", .invalidTrustDomain),
        ("Example.org", .invalidTrustDomain),
        ("example.org:443", .invalidTrustDomain),
        ("example.org/", .invalidTrustDomain),
        ("example.org\n", .invalidTrustDomain),
        ("spiffe://example.org/", .invalidSPIFFEID),
        ("SPIFFE://example.org", .invalidSPIFFEID),
        ("spiffe://", .invalidTrustDomain),
        ("http://example.org", .invalidSPIFFEID),
    ]

    @Test("rejects malformed names without normalising", arguments: invalid)
    func rejects(_ input: String, _ code: SPIFFEError.Code) {
        let error = #expect(throws: SPIFFEError.self) { try TrustDomain(input) }
        #expect(error?.code == code)
    }
}

@Suite("SPIFFEIDMatcher")
struct SPIFFEIDMatcherTests {
    @Test("any, id, oneOf, memberOf and custom accept exactly what they say")
    func matchers() throws {
        let a = try SPIFFEID("spiffe://example.org/a")
        let b = try SPIFFEID("spiffe://example.org/b")
        let c = try SPIFFEID("spiffe://other.org/c")
        #expect(SPIFFEIDMatcher.any.matches(c))
        #expect(SPIFFEIDMatcher.id(a).matches(a))
        #expect(!SPIFFEIDMatcher.id(a).matches(b))
        #expect(SPIFFEIDMatcher.oneOf([a, b]).matches(b))
        #expect(!SPIFFEIDMatcher.oneOf([a, b]).matches(c))
        #expect(SPIFFEIDMatcher.memberOf(try TrustDomain("example.org")).matches(b))
        #expect(!SPIFFEIDMatcher.memberOf(try TrustDomain("example.org")).matches(c))
        #expect(SPIFFEIDMatcher.custom { $0.path.hasPrefix("/c") }.matches(c))
        try SPIFFEIDMatcher.id(a).authorize(a)
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEIDMatcher.oneOf([a, b]).authorize(c) }
        #expect(error?.code == .idNotAuthorized)
    }
}
