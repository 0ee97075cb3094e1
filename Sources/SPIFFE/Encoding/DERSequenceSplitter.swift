/// Splits concatenated DER values (certificate chains and X.509 bundles on the Workload API, SPEC §6.3) into one
/// slice per top-level TLV, without decoding their contents.
package enum DERSequenceSplitter {
    /// - Throws: ``SPIFFEError/Code/malformedCertificate`` when the bytes are not back-to-back complete TLVs.
    package static func split(_ bytes: ArraySlice<UInt8>) throws(SPIFFEError) -> [ArraySlice<UInt8>] {
        var values: [ArraySlice<UInt8>] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let start = index
            guard bytes.endIndex - index >= 2 else { throw truncated(at: start - bytes.startIndex) }
            // Certificates are SEQUENCEs: one-byte tag 0x30. Multi-byte tags never start a certificate.
            guard bytes[index] & 0x1F != 0x1F else {
                throw SPIFFEError(code: .malformedCertificate, message: "DER value at byte \(start - bytes.startIndex) has an unsupported multi-byte tag")
            }
            index += 1
            let first = bytes[index]
            index += 1
            var length = 0
            if first < 0x80 {
                length = Int(first)
            } else {
                let count = Int(first & 0x7F)
                guard count >= 1, count <= 4, bytes.endIndex - index >= count else {
                    throw SPIFFEError(code: .malformedCertificate, message: "DER value at byte \(start - bytes.startIndex) has an invalid length field")
                }
                for _ in 0..<count {
                    length = (length << 8) | Int(bytes[index])
                    index += 1
                }
            }
            guard bytes.endIndex - index >= length else { throw truncated(at: start - bytes.startIndex) }
            index += length
            values.append(bytes[start..<index])
        }
        return values
    }

    private static func truncated(at offset: Int) -> SPIFFEError {
        SPIFFEError(
            code: .malformedCertificate,
            message: "DER value at byte \(offset) is truncated: expected plain concatenated DER certificates"
        )
    }
}
