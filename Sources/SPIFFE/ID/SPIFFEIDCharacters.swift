/// The byte classes of SPIFFE-ID §2.1 and §2.2, checked byte by byte so that anything outside ASCII,
/// percent-encoding, `:`, `@`, `?`, `#`, `[`, `]` and every other delimiter is rejected by the character rule.
enum SPIFFEIDCharacters {
    static let scheme: [UInt8] = Array("spiffe://".utf8)
    static let maximumIDLength = 2048
    static let maximumTrustDomainLength = 255

    /// `[a-z0-9._-]`
    static func isTrustDomainByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x5F
    }

    /// `[a-zA-Z0-9._-]`
    static func isPathByte(_ b: UInt8) -> Bool {
        isTrustDomainByte(b) || (b >= 0x41 && b <= 0x5A)
    }

    /// Renders a byte for an error message without echoing control characters or broken UTF-8.
    static func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b <= 0x7E {
            return "'\(Character(Unicode.Scalar(b)))'"
        }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    /// Renders input for an error message: printable ASCII as is, other bytes escaped, long input shortened.
    static func quote<S: Collection<UInt8>>(_ bytes: S) -> String {
        var out = "\""
        for (i, b) in bytes.enumerated() {
            if i == 96 {
                out += "…"
                break
            }
            if b >= 0x20 && b <= 0x7E && b != 0x22 && b != 0x5C {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + "\""
    }
}
