import Crypto

/// How join tokens are kept by every persistent store (SQLite, PostgreSQL): never the token, only its SHA-256 (lowercase hex), which is also the key
/// that lookups, the change log and pruning use. A stolen database file then yields no usable token.
package enum JoinTokenDigest {
    /// The SHA-256 of `token`'s UTF-8 bytes, as 64 lowercase hex digits.
    package static func hex(_ token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
