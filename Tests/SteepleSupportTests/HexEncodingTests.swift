import SteepleSupport
import Testing

@Suite("HexEncoding")
struct HexEncodingTests {
    @Test("encodes every byte as two lowercase digits")
    func knownAnswer() {
        #expect(HexEncoding.lowercase([0x00, 0x0f, 0x10, 0xab, 0xff]) == "000f10abff")
        #expect(HexEncoding.lowercase([UInt8]()) == "")
        #expect(HexEncoding.lowercase(0...255).count == 512)
    }

    @Test("decodes pairs of digits in either case, and refuses an odd length or a non-digit")
    func decode() {
        #expect(HexEncoding.decode("000f10abFF") == [0x00, 0x0f, 0x10, 0xab, 0xff])
        #expect(HexEncoding.decode("") == [])
        #expect(HexEncoding.decode(HexEncoding.lowercase(0...255)) == Array(0...255))
        #expect(HexEncoding.decode("abc") == nil)
        #expect(HexEncoding.decode("0g") == nil)
    }
}
