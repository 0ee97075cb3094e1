import SPIREAPIProto

/// SPIRE's pretty form of a federation relationship (its trust domain bundle is never printed).
enum FederationPrinter {
    static func text(_ relationship: Spire_Api_Types_FederationRelationship) -> String {
        var text = "Trust domain              : \(relationship.trustDomain)\n"
        text += "Bundle endpoint URL       : \(relationship.bundleEndpointURL)\n"
        switch relationship.bundleEndpointProfile {
        case .httpsWeb:
            text += "Bundle endpoint profile   : https_web\n"
        case .httpsSpiffe(let profile):
            text += "Bundle endpoint profile   : https_spiffe\n"
            text += "Endpoint SPIFFE ID        : \(profile.endpointSpiffeID)\n"
        case nil:
            break
        }
        return text
    }

    /// `create` and `update`'s report: each relationship that succeeded on stdout, each failure on stderr with the
    /// relationship as requested, as SPIRE prints them.
    ///
    /// - Returns: whether every item succeeded.
    static func report(
        verb: String,
        requested: [Spire_Api_Types_FederationRelationship],
        results: [(status: Spire_Api_Types_Status, relationship: Spire_Api_Types_FederationRelationship)]
    ) throws(CLIError) -> Bool {
        guard results.count <= requested.count else { throw CLIError("internal error: cli printer; please report this bug") }
        for result in results where result.status.code == 0 {
            Console.out("\n" + text(result.relationship))
        }
        var failed = false
        for (index, result) in results.enumerated() where result.status.code != 0 {
            failed = true
            Console.out("\n")
            Console.err(
                "Failed to \(verb) the following federation relationship (code: \(GRPCStatusName.name(of: result.status.code)), msg: \(GoFormatting.quoted(result.status.message))):\n"
                    + text(requested[index])
            )
        }
        return !failed
    }
}
