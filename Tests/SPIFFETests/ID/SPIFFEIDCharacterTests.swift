import SPIFFE
import Testing

/// The two exhaustive character loops of SPEC §1.4.
@Suite("SPIFFE ID character rules")
struct SPIFFEIDCharacterTests {
    static let trustDomainCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789.-_".unicodeScalars)
    static let pathCharacters = trustDomainCharacters.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    static let everyCharacter: [Unicode.Scalar] = (0...255).compactMap(Unicode.Scalar.init).filter { $0 != "/" }

    @Test("a trust domain character is valid only when it is in [a-z0-9._-]", arguments: everyCharacter)
    func trustDomainCharacter(_ c: Unicode.Scalar) {
        let input = "spiffe://trustdomain\(Character(c))/path"
        if Self.trustDomainCharacters.contains(c) {
            #expect((try? SPIFFEID(input)) != nil, "\(input.debugDescription) should parse")
            #expect((try? TrustDomain("trustdomain\(Character(c))")) != nil)
        } else {
            let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(input) }
            #expect(error?.code == .invalidTrustDomain)
            let bare = #expect(throws: SPIFFEError.self) { try TrustDomain("trustdomain\(Character(c))") }
            // "trustdomain:" followed by nothing is not of the ID form, so it is judged as a bare name too.
            #expect(bare?.code == .invalidTrustDomain)
        }
    }

    @Test("a path character is valid only when it is in [a-zA-Z0-9._-]", arguments: everyCharacter)
    func pathCharacter(_ c: Unicode.Scalar) {
        let input = "spiffe://trustdomain/path\(Character(c))"
        if Self.pathCharacters.contains(c) {
            #expect((try? SPIFFEID(input)) != nil, "\(input.debugDescription) should parse")
        } else {
            let error = #expect(throws: SPIFFEError.self) { try SPIFFEID(input) }
            #expect(error?.code == .invalidSPIFFEID)
        }
    }
}
