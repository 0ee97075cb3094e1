/// The few DER primitives the fixed-template X509-SVID writer needs: a tag, a definite length, contents. Values are
/// written whole into one growing buffer; a constructed value whose length is not known ahead is written by
/// ``wrap(_:_:)`` once its contents are.
struct DERWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends bytes that are already DER (a value cut from another encoding).
    mutating func append<Bytes: Collection<UInt8>>(raw: Bytes) {
        bytes.append(contentsOf: raw)
    }

    /// Appends one value: `tag`, the length of `contents`, `contents`.
    mutating func append<Bytes: Collection<UInt8>>(tag: UInt8, contents: Bytes) {
        bytes.append(tag)
        appendLength(contents.count)
        bytes.append(contentsOf: contents)
    }

    /// Appends a constructed value whose contents `body` writes: they are written in place, then moved up to make
    /// room for the header once their length is known.
    mutating func wrap(_ tag: UInt8, _ body: (inout DERWriter) -> Void) {
        let start = bytes.count
        body(&self)
        let length = bytes.count - start
        // The header is written in place (no array per value): room is made, then filled.
        let lengthBytes = length < 0x80 ? 0 : (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
        bytes.insert(contentsOf: repeatElement(0, count: 2 + lengthBytes), at: start)
        bytes[start] = tag
        if lengthBytes == 0 {
            bytes[start + 1] = UInt8(length)
        } else {
            bytes[start + 1] = 0x80 | UInt8(lengthBytes)
            for index in 0..<lengthBytes {
                bytes[start + 2 + index] = UInt8(truncatingIfNeeded: length >> (8 * (lengthBytes - 1 - index)))
            }
        }
    }

    /// Appends an INTEGER holding `magnitude`, an unsigned big-endian number: leading zero bytes dropped, one zero
    /// byte added when the first remaining byte has its top bit set (X.690 §8.3).
    mutating func appendUnsignedInteger<Bytes: Collection<UInt8>>(_ magnitude: Bytes) {
        var digits = magnitude.drop { $0 == 0 }
        if digits.isEmpty { digits = magnitude.suffix(1) }
        let pad = (digits.first ?? 0) & 0x80 != 0
        bytes.append(0x02)
        appendLength(digits.count + (pad ? 1 : 0))
        if pad { bytes.append(0) }
        bytes.append(contentsOf: digits)
    }

    private mutating func appendLength(_ length: Int) {
        Self.appendLength(length, to: &bytes)
    }

    /// X.690 §8.1.3: the short form below 128, else the number of length bytes, then the length big-endian.
    static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        if length < 0x80 {
            bytes.append(UInt8(length))
            return
        }
        var count = 0
        var rest = length
        while rest > 0 {
            count += 1
            rest >>= 8
        }
        bytes.append(0x80 | UInt8(count))
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: length >> shift))
        }
    }
}
