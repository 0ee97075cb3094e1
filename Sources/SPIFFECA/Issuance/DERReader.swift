/// Walks DER values without decoding them: enough to cut one field out of an encoding another parser has already
/// checked (the SubjectPublicKeyInfo of a CSR whose signature verified).
enum DERReader {
    /// The value starting at `offset`: its tag, the range of its contents and where it ends; nil when the header is
    /// malformed or the value runs past `end`. Only single-byte tags (numbers below 31) are read.
    static func value(in bytes: [UInt8], at offset: Int, end: Int) -> (tag: UInt8, contents: Range<Int>, end: Int)? {
        guard offset + 2 <= end, bytes[offset] & 0x1F != 0x1F else { return nil }
        let tag = bytes[offset]
        var length = Int(bytes[offset + 1])
        var contentStart = offset + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 3, contentStart + count <= end else { return nil }
            length = 0
            for byte in bytes[contentStart..<(contentStart + count)] { length = length << 8 | Int(byte) }
            contentStart += count
        }
        let valueEnd = contentStart + length
        guard valueEnd <= end else { return nil }
        return (tag, contentStart..<valueEnd, valueEnd)
    }

    /// The DER of the SubjectPublicKeyInfo of PKCS#10 request `csr` (RFC 2986 §4.1: the third field of
    /// CertificationRequestInfo), or nil when `csr` is not shaped so.
    static func subjectPublicKeyInfo(ofCSR csr: [UInt8]) -> ArraySlice<UInt8>? {
        guard let request = value(in: csr, at: 0, end: csr.count), request.tag == 0x30,
              let info = value(in: csr, at: request.contents.lowerBound, end: request.contents.upperBound), info.tag == 0x30,
              let version = value(in: csr, at: info.contents.lowerBound, end: info.contents.upperBound), version.tag == 0x02,
              let subject = value(in: csr, at: version.end, end: info.contents.upperBound), subject.tag == 0x30,
              let key = value(in: csr, at: subject.end, end: info.contents.upperBound), key.tag == 0x30
        else { return nil }
        return csr[subject.end..<key.end]
    }
}
