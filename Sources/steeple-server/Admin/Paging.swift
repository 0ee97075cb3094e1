/// Follows `next_page_token` through a paged list RPC until the server says there is no next page.
enum Paging {
    /// One page of results and the token of the next page (empty when there is none).
    struct Page<Item> {
        var items: [Item]
        var nextPageToken: String
    }

    /// Every item of every page, in order.
    ///
    /// - Parameter fetch: gets the page with the given token; the first call gets `""`.
    /// - Throws: ``CLIError`` when the server hands out a page token it already gave, which would loop forever;
    ///   whatever `fetch` throws.
    static func collect<Item>(_ fetch: (String) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        var token = ""
        var seen: Set<String> = []
        repeat {
            let page = try await fetch(token)
            items += page.items
            token = page.nextPageToken
            guard seen.insert(token).inserted else {
                throw CLIError("the server returned page token \(GoFormatting.quoted(token)) twice")
            }
        } while !token.isEmpty
        return items
    }
}
