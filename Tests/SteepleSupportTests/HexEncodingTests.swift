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
}
