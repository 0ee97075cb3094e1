/// Splits concatenated DER values, such as the certificate chain of a `MintX509SVIDResponse`, into one value each.
enum DERSequence {
    /// The DER values of `bytes`, in order.
    ///
    /// - Throws: ``CLIError`` when a value's length runs past the end of the data or is not valid DER.
    static func split(_ bytes: [UInt8]) throws(CLIError) -> [[UInt8]] {
        var values: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw truncated(at: offset) }
            var length = Int(bytes[offset + 1])
            var headerLength = 2
            if length & 0x80 != 0 {
                let lengthBytes = length & 0x7F
                guard lengthBytes > 0, lengthBytes <= 4, offset + 2 + lengthBytes <= bytes.count else {
                    throw truncated(at: offset)
                }
                length = 0
                for byte in bytes[(offset + 2)..<(offset + 2 + lengthBytes)] {
                    length = length << 8 | Int(byte)
                }
                headerLength += lengthBytes
            }
            let end = offset + headerLength + length
            guard end <= bytes.count else { throw truncated(at: offset) }
            values.append(Array(bytes[offset..<end]))
            offset = end
        }
        return values
    }

    private static func truncated(at offset: Int) -> CLIError {
        CLIError("the server sent malformed DER data (value at byte \(offset) is truncated)")
    }
}
