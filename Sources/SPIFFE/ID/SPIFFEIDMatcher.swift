/// Decides whether a SPIFFE ID is acceptable, e.g. as the peer of an mTLS connection or the subject of a token.
///
/// Build one with ``any``, ``id(_:)``, ``oneOf(_:)``, ``memberOf(_:)`` or ``custom(_:)``.
public struct SPIFFEIDMatcher: Sendable {
    private enum Rule: Sendable {
        case any
        case oneOf(Set<SPIFFEID>)
        case memberOf(TrustDomain)
        case custom(@Sendable (SPIFFEID) -> Bool)
    }

    private let rule: Rule

    private init(_ rule: Rule) {
        self.rule = rule
    }

    /// Accepts every SPIFFE ID.
    public static let any = SPIFFEIDMatcher(.any)

    /// Accepts exactly `id`.
    public static func id(_ id: SPIFFEID) -> SPIFFEIDMatcher { SPIFFEIDMatcher(.oneOf([id])) }

    /// Accepts any of `ids`.
    public static func oneOf(_ ids: some Sequence<SPIFFEID>) -> SPIFFEIDMatcher { SPIFFEIDMatcher(.oneOf(Set(ids))) }

    /// Accepts any ID in `trustDomain`.
    public static func memberOf(_ trustDomain: TrustDomain) -> SPIFFEIDMatcher { SPIFFEIDMatcher(.memberOf(trustDomain)) }

    /// Accepts the IDs for which `predicate` returns true.
    public static func custom(_ predicate: @escaping @Sendable (SPIFFEID) -> Bool) -> SPIFFEIDMatcher {
        SPIFFEIDMatcher(.custom(predicate))
    }

    /// Whether `id` is accepted.
    public func matches(_ id: SPIFFEID) -> Bool {
        switch rule {
        case .any: true
        case .oneOf(let ids): ids.contains(id)
        case .memberOf(let trustDomain): id.isMember(of: trustDomain)
        case .custom(let predicate): predicate(id)
        }
    }

    /// Throws unless `id` is accepted.
    ///
    /// - Throws: ``SPIFFEError/Code/idNotAuthorized``, naming the ID and what was expected.
    public func authorize(_ id: SPIFFEID) throws(SPIFFEError) {
        guard !matches(id) else { return }
        let expected: String
        switch rule {
        case .any: expected = "any ID"
        case .oneOf(let ids): expected = "one of " + ids.map(\.string).sorted().joined(separator: ", ")
        case .memberOf(let trustDomain): expected = "a member of trust domain \(trustDomain.name)"
        case .custom: expected = "an ID accepted by the custom matcher"
        }
        throw SPIFFEError(code: .idNotAuthorized, message: "SPIFFE ID \(id.string) is not authorized: expected \(expected)")
    }
}
