import SPIFFE

/// Checks SPIFFE IDs and trust domains given on the command line before anything is sent to the server.
enum IDArgument {
    /// Parses the value of a SPIFFE ID flag such as `-spiffeID`.
    ///
    /// - Throws: ``CLIError`` naming the flag, the value and the broken rule.
    static func spiffeID(_ text: String, flag: String) throws(CLIError) -> SPIFFEID {
        do {
            return try SPIFFEID(text)
        } catch {
            throw CLIError("invalid -\(flag) \(GoFormatting.quoted(text)): \(error.message)")
        }
    }

    /// Parses a trust domain given as a name (`example.org`) or as its SPIFFE ID (`spiffe://example.org`), as
    /// SPIRE's `-federatesWith` and `-id` accept.
    ///
    /// - Throws: ``CLIError`` naming the flag, the value and the broken rule.
    static func trustDomain(_ text: String, flag: String) throws(CLIError) -> TrustDomain {
        do {
            return try TrustDomain(text)
        } catch {
            throw CLIError("invalid -\(flag) \(GoFormatting.quoted(text)): \(error.message)")
        }
    }
}
