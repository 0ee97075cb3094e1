#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The RFC 3986 subset that `SPIFFE_ENDPOINT_SOCKET` uses, with one error code per rule of Workload Endpoint §4
/// (SPEC §6.7).
enum WorkloadAPIEndpointParser {
    static func parse(_ string: String) throws(WorkloadAPIError) -> WorkloadAPIEndpoint.Address {
        guard let colon = string.firstIndex(of: ":"), isScheme(string[..<colon]) else {
            throw WorkloadAPIError(
                code: .endpointSchemeUnsupported,
                message: "endpoint \"\(string)\" has no scheme: it must start with unix: or tcp:"
            )
        }
        let scheme = string[..<colon].lowercased()
        let rest = string[string.index(after: colon)...]
        if rest.contains("?") || rest.contains("#") {
            throw WorkloadAPIError(
                code: .endpointExtraComponents,
                message: "endpoint \"\(string)\" has a query or fragment: the address must have none"
            )
        }
        var authority: Substring?
        var path = rest
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let slash = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
            authority = afterSlashes[..<slash]
            path = afterSlashes[slash...]
        }
        switch scheme {
        case "unix":
            return try parseUnix(authority: authority, path: path, original: string)
        case "tcp":
            return try parseTCP(authority: authority, path: path, original: string)
        default:
            throw WorkloadAPIError(
                code: .endpointSchemeUnsupported,
                message: "endpoint \"\(string)\" has scheme \"\(scheme)\": only unix and tcp are allowed"
            )
        }
    }

    private static func parseUnix(
        authority: Substring?,
        path: Substring,
        original: String
    ) throws(WorkloadAPIError) -> WorkloadAPIEndpoint.Address {
        if let authority, !authority.isEmpty {
            throw WorkloadAPIError(
                code: .endpointAuthorityNotAllowed,
                message: "unix endpoint \"\(original)\" has authority \"\(authority)\": use unix:///path or unix:/path"
            )
        }
        let decoded = percentDecoded(path)
        try checkUnixPath(decoded, original: original)
        return .unixSocket(path: decoded)
    }

    static func checkUnixPath(_ path: String, original: String) throws(WorkloadAPIError) {
        if path.isEmpty || path == "/" {
            throw WorkloadAPIError(
                code: .endpointPathMissing,
                message: "unix endpoint \"\(original)\" names no socket: a path is required"
            )
        }
        guard path.hasPrefix("/") else {
            throw WorkloadAPIError(
                code: .endpointPathNotAbsolute,
                message: "unix endpoint \"\(original)\" has relative path \"\(path)\": the path must be absolute"
            )
        }
    }

    private static func parseTCP(
        authority: Substring?,
        path: Substring,
        original: String
    ) throws(WorkloadAPIError) -> WorkloadAPIEndpoint.Address {
        guard let authority, !authority.isEmpty else {
            throw WorkloadAPIError(
                code: .endpointHostNotIP,
                message: "tcp endpoint \"\(original)\" has no host: use tcp://IP:port"
            )
        }
        if authority.contains("@") {
            throw WorkloadAPIError(
                code: .endpointExtraComponents,
                message: "tcp endpoint \"\(original)\" has userinfo: the address must be tcp://IP:port only"
            )
        }
        if !path.isEmpty {
            throw WorkloadAPIError(
                code: .endpointExtraComponents,
                message: "tcp endpoint \"\(original)\" has path \"\(path)\": the address must be tcp://IP:port only"
            )
        }
        let (host, port) = splitHostPort(authority)
        guard let ip = ipAddress(host) else {
            throw WorkloadAPIError(
                code: .endpointHostNotIP,
                message: "tcp endpoint \"\(original)\" has host \"\(host)\": it must be an IP address, not a name"
            )
        }
        guard let port, !port.isEmpty else {
            throw WorkloadAPIError(code: .endpointPortMissing, message: "tcp endpoint \"\(original)\" has no port")
        }
        guard port.utf8.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port), (1...65535).contains(number)
        else {
            throw WorkloadAPIError(
                code: .endpointPortInvalid,
                message: "tcp endpoint \"\(original)\" has port \"\(port)\": it must be a number from 1 to 65535"
            )
        }
        return .tcp(ip: ip, port: number)
    }

    /// Splits `host[:port]` or `[v6][:port]`; the host keeps its brackets so that an unbracketed IPv6 is refused.
    private static func splitHostPort(_ authority: Substring) -> (host: Substring, port: Substring?) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return (host, nil) }
            return after.hasPrefix(":") ? (host, after.dropFirst()) : (authority, nil)
        }
        guard let colon = authority.firstIndex(of: ":") else { return (authority, nil) }
        return (authority[..<colon], authority[authority.index(after: colon)...])
    }

    /// The IP address in `host` (`a.b.c.d`, or `[v6]` without its brackets), or `nil` for anything else.
    private static func ipAddress(_ host: Substring) -> String? {
        if host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 {
            let inner = String(host.dropFirst().dropLast())
            var storage = in6_addr()
            return inet_pton(AF_INET6, inner, &storage) == 1 ? inner : nil
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), let value = Int(part), value <= 255,
                part.count == 1 || part.first != "0"
            else { return nil }
        }
        return String(host)
    }

    private static func isScheme(_ candidate: Substring) -> Bool {
        guard let first = candidate.first, first.isASCII, first.isLetter else { return false }
        return candidate.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }

    /// Decodes `%XX` escapes; a malformed escape is kept as written.
    private static func percentDecoded(_ path: Substring) -> String {
        guard path.contains("%") else { return String(path) }
        var bytes: [UInt8] = []
        var input = Array(path.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "%"), input.count >= 2,
                let high = hexValue(input[input.startIndex]), let low = hexValue(input[input.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
