/// Reads structured values from a fuzz input. Reading past the end yields zeros and empty slices, never a trap, so
/// every byte string is a valid input.
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A big-endian 16-bit length, then that many bytes (fewer when the input ends first).
    mutating func lengthPrefixed() -> [UInt8] {
        let length = Int(byte()) << 8 | Int(byte())
        let end = min(bytes.count, offset + length)
        defer { offset = end }
        return offset < end ? Array(bytes[offset..<end]) : []
    }

    /// Everything not read yet.
    mutating func rest() -> [UInt8] {
        guard offset < bytes.count else { return [] }
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

extension [UInt8] {
    /// The inverse of ``FuzzInput/lengthPrefixed()``: a 16-bit big-endian length, then the bytes (at most 65,535).
    static func lengthPrefixed(_ part: [UInt8]) -> [UInt8] {
        let part = part.prefix(65_535)
        return [UInt8(part.count >> 8), UInt8(part.count & 0xFF)] + part
    }
}
