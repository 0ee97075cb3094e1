import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The page tokens of SPIRE's list calls. A token names what it pages (entries, agents, bundles) and the store's
/// position, base64url-encoded, so that a token of another list, of another server or made up is refused with a
/// message saying so, instead of silently starting somewhere.
enum SPIREPageToken {
    enum Kind: String {
        case entries = "e"
        case agents = "a"
        case bundles = "b"
        case federationRelationships = "f"
    }

    /// The token for the store's `next` position, or "" on the last page.
    static func encode(_ next: String?, _ kind: Kind) -> String {
        guard let next else { return "" }
        let base64 = Data((kind.rawValue + ":" + next).utf8).base64EncodedString()
        return String(base64.compactMap { character -> Character? in
            switch character {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: character
            }
        })
    }

    /// The page to read for `token` (empty: the first) of `size` items (0: all of them at once, as SPIRE).
    static func pagination(_ token: String, size: Int32, _ kind: Kind) throws(APIRefusal) -> Pagination? {
        guard size >= 0 else { throw APIRefusal(.invalidRequest, "page_size \(size) is negative: use 0 for every item, or a positive size") }
        guard size > 0 else {
            guard token.isEmpty else { throw APIRefusal(.invalidRequest, "page_token is set but page_size is 0: give the page_size of the first request") }
            return nil
        }
        let size = min(Int(size), Pagination.maximumSize)
        guard !token.isEmpty else { return Pagination(token: nil, size: size) }
        var base64 = String(token.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(kind.rawValue + ":")
        else {
            throw APIRefusal(
                .invalidRequest,
                "could not parse token \(EntryValidator.quoted(token)): it is not a next_page_token this server returned for this list; pass that token, or none for the first page"
            )
        }
        return Pagination(token: String(text.dropFirst(2)), size: size)
    }
}
