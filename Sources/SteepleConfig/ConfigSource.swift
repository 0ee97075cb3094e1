/// The bytes of a configuration file, checked as UTF-8, with a cursor that tracks line and column.
///
/// Both parsers read through this cursor, so positions are computed the same way for HCL and JSON.
struct ConfigSource {
    /// The file's bytes, without a leading byte-order mark.
    let bytes: [UInt8]
    /// The index of the next byte.
    private(set) var offset: Int = 0
    /// The position of the next byte.
    private(set) var position: ConfigPosition = .start

    /// Wraps bytes after checking that they are UTF-8.
    /// - Throws: ``ConfigError/Code/syntax`` at the first byte that is not valid UTF-8.
    init(_ input: [UInt8]) throws(ConfigError) {
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
        }
        self.bytes = bytes
        if let bad = Self.firstInvalidUTF8Offset(in: bytes) {
            var probe = self
            while probe.offset < bad {
                probe.advance()
            }
            throw ConfigError(
                code: .syntax, at: probe.position, "invalid UTF-8 byte 0x\(hex(bytes[bad])); save the file as UTF-8")
        }
    }

    /// Whether all bytes were read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The byte at the cursor plus `ahead`, or `nil` past the end.
    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = offset + ahead
        return index < bytes.count ? bytes[index] : nil
    }

    /// Moves past one byte, updating line and column (columns count Unicode scalars).
    mutating func advance() {
        guard offset < bytes.count else { return }
        let byte = bytes[offset]
        offset += 1
        if byte == UInt8(ascii: "\n") {
            position = ConfigPosition(line: position.line + 1, column: 1)
        } else if byte & 0xC0 != 0x80 {
            position = ConfigPosition(line: position.line, column: position.column + 1)
        }
    }

    /// Moves past `count` bytes.
    mutating func advance(by count: Int) {
        for _ in 0..<count {
            advance()
        }
    }

    /// Decodes `bytes[range]` as a string; the bytes were validated at construction.
    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// The offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or values above U+10FFFF).
    static func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return index
            }
            for continuation in 1..<length {
                let next = index + continuation
                guard next < bytes.count else { return index }
                let byte = bytes[next]
                let (min, max): (UInt8, UInt8) = continuation == 1 ? (low, high) : (0x80, 0xBF)
                guard byte >= min && byte <= max else { return index }
            }
            index += length
        }
        return nil
    }
}

/// Two uppercase hex digits for a byte.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
