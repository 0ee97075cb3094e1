/// A SPIFFE ID: `spiffe://<trust domain>[/<path>]` (SPIFFE-ID §2).
///
/// A `SPIFFEID` is always valid. Parsing is byte-exact and never normalises: an uppercase scheme or trust domain,
/// percent-encoding, a port, userinfo, a query, a fragment, empty, `.` or `..` segments and a trailing slash are
/// all rejected, each with an error that names the rule. The path is case-sensitive.
public struct SPIFFEID: Sendable {
    /// The full ID, e.g. `spiffe://example.org/web`. The ID's only stored property: a `SPIFFEID` is as small as a
    /// `String` (16 bytes), which a server holding a million registration entries, two IDs each, keeps once per ID.
    public let string: String

    /// The UTF-8 offset where the path starts (equal to the length when there is no path): the first `/` after the
    /// scheme, found again on each use (a trust domain name is at most 255 bytes).
    private var pathOffset: Int {
        let schemeLength = SPIFFEIDCharacters.scheme.count
        let found = string.utf8.withContiguousStorageIfAvailable { bytes in
            bytes[schemeLength...].firstIndex(of: 0x2F) ?? bytes.count
        }
        if let found { return found }
        let utf8 = string.utf8
        return utf8.distance(from: utf8.startIndex, to: utf8.dropFirst(schemeLength).firstIndex(of: 0x2F) ?? utf8.endIndex)
    }

    /// Parses a SPIFFE ID.
    ///
    /// - Parameter string: the ID, e.g. `spiffe://example.org/ns/web`. At most 2048 bytes (SPIFFE-ID §2.3).
    /// - Throws: ``SPIFFEError/Code/invalidSPIFFEID`` or ``SPIFFEError/Code/invalidTrustDomain``, naming the rule.
    public init(_ string: String) throws(SPIFFEError) {
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty else {
            throw SPIFFEError(code: .invalidSPIFFEID, message: "SPIFFE ID is empty: expected spiffe://<trust domain>[/<path>]")
        }
        guard bytes.count <= SPIFFEIDCharacters.maximumIDLength else {
            throw SPIFFEError(
                code: .invalidSPIFFEID,
                message: "SPIFFE ID is \(bytes.count) bytes long: at most \(SPIFFEIDCharacters.maximumIDLength) are allowed"
            )
        }
        guard bytes.starts(with: SPIFFEIDCharacters.scheme) else {
            throw SPIFFEError(
                code: .invalidSPIFFEID,
                message: "SPIFFE ID must start with the lowercase scheme \"spiffe://\": got \(SPIFFEIDCharacters.quote(bytes))"
            )
        }
        let tdStart = SPIFFEIDCharacters.scheme.count
        let tdEnd = bytes[tdStart...].firstIndex(of: 0x2F) ?? bytes.count
        try TrustDomain.validateName(bytes[tdStart..<tdEnd], whole: bytes)
        try Self.validatePath(bytes[tdEnd...], whole: bytes)
        self.string = string
    }

    /// Builds an ID from a trust domain and a path such as `/ns/web` (or `""` for the trust domain's own ID).
    ///
    /// - Throws: ``SPIFFEError/Code/invalidSPIFFEID`` when the path breaks a rule of SPIFFE-ID §2.2, or the
    ///   result would be longer than 2048 bytes.
    public init(trustDomain: TrustDomain, path: String) throws(SPIFFEError) {
        let whole = Array(("spiffe://" + trustDomain.name + path).utf8)
        try Self.validatePath(Array(path.utf8)[...], whole: whole)
        guard whole.count <= SPIFFEIDCharacters.maximumIDLength else {
            throw SPIFFEError(
                code: .invalidSPIFFEID,
                message: "SPIFFE ID would be \(whole.count) bytes long: at most \(SPIFFEIDCharacters.maximumIDLength) are allowed"
            )
        }
        self.init(validatedTrustDomain: trustDomain, path: path)
    }

    /// Builds an ID from a trust domain and path segments, e.g. `["ns", "web"]` → `spiffe://td/ns/web`.
    ///
    /// - Throws: ``SPIFFEError/Code/invalidSPIFFEID`` when a segment is empty, `.`, `..`, holds a `/` or a
    ///   character outside `[a-zA-Z0-9._-]`.
    public init(trustDomain: TrustDomain, segments: [String]) throws(SPIFFEError) {
        var path = ""
        for segment in segments {
            if segment.utf8.contains(0x2F) {
                throw SPIFFEError(
                    code: .invalidSPIFFEID,
                    message: "path segment \(SPIFFEIDCharacters.quote(Array(segment.utf8))) contains '/': give each segment separately"
                )
            }
            path += "/" + segment
        }
        try self.init(trustDomain: trustDomain, path: path)
    }

    init(validatedTrustDomain trustDomain: TrustDomain, path: String) {
        self.string = "spiffe://" + trustDomain.name + path
    }

    /// The trust domain the ID belongs to.
    public var trustDomain: TrustDomain {
        let utf8 = string.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: SPIFFEIDCharacters.scheme.count)
        let end = utf8.index(utf8.startIndex, offsetBy: pathOffset)
        return TrustDomain(validatedName: String(string[start..<end]))
    }

    /// The path, e.g. `/ns/web`; empty for a trust domain's own ID.
    public var path: String {
        let utf8 = string.utf8
        return String(string[utf8.index(utf8.startIndex, offsetBy: pathOffset)...])
    }

    /// Whether the ID has a path. Leaf SVIDs always do (X509-SVID §3.1, JWT-SVID §3.1).
    public var hasPath: Bool { pathOffset < string.utf8.count }

    /// Whether the ID belongs to `trustDomain`.
    public func isMember(of trustDomain: TrustDomain) -> Bool {
        self.trustDomain == trustDomain
    }

    /// Checks a path against SPIFFE-ID §2.2: empty, or `/`-separated non-empty segments of `[a-zA-Z0-9._-]`
    /// that are neither `.` nor `..`, with no trailing `/`.
    static func validatePath(_ path: ArraySlice<UInt8>, whole: [UInt8]) throws(SPIFFEError) {
        guard let first = path.first else { return }
        guard first == 0x2F else {
            throw SPIFFEError(
                code: .invalidSPIFFEID,
                message: "path must start with '/': got \(SPIFFEIDCharacters.quote(path))"
            )
        }
        var segmentStart = path.startIndex + 1
        var index = segmentStart
        while true {
            if index == path.endIndex || path[index] == 0x2F {
                let segment = path[segmentStart..<index]
                if segment.isEmpty {
                    let rule = index == path.endIndex ? "a trailing '/' is not allowed" : "empty segments ('//') are not allowed"
                    throw SPIFFEError(code: .invalidSPIFFEID, message: "path \(SPIFFEIDCharacters.quote(path)): \(rule)")
                }
                if segment.elementsEqual([0x2E]) || segment.elementsEqual([0x2E, 0x2E]) {
                    throw SPIFFEError(
                        code: .invalidSPIFFEID,
                        message: "path \(SPIFFEIDCharacters.quote(path)): '.' and '..' segments are not allowed"
                    )
                }
                if index == path.endIndex { return }
                segmentStart = index + 1
            } else if !SPIFFEIDCharacters.isPathByte(path[index]) {
                let found = SPIFFEIDCharacters.describe(path[index])
                let hint = path[index] == 0x25 ? " (percent-encoding is not allowed)" : ""
                throw SPIFFEError(
                    code: .invalidSPIFFEID,
                    message: "path characters are limited to letters, digits, dots, dashes and underscores: found \(found)\(hint) at byte \(index) in \(SPIFFEIDCharacters.quote(whole))"
                )
            }
            index += 1
        }
    }
}

extension SPIFFEID: Hashable {
    public static func == (lhs: SPIFFEID, rhs: SPIFFEID) -> Bool {
        lhs.string == rhs.string
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(string)
    }
}

extension SPIFFEID: Comparable {
    public static func < (lhs: SPIFFEID, rhs: SPIFFEID) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }
}

extension SPIFFEID: CustomStringConvertible {
    public var description: String { string }
}

extension SPIFFEID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
