import SPIREAPIProto

/// SPIRE's pretty output of the authority commands (`cmd/spire-server/cli/authoritycommon`, the localauthority and
/// upstreamauthority printers).
enum AuthorityPrinter {
    struct Slots {
        var active: Spire_Api_Server_Localauthority_V1_AuthorityState?
        var prepared: Spire_Api_Server_Localauthority_V1_AuthorityState?
        var old: Spire_Api_Server_Localauthority_V1_AuthorityState?
    }

    /// `  Authority ID: …`, `  Expires at: …` and, for X.509, the upstream authority line.
    static func state(_ state: Spire_Api_Server_Localauthority_V1_AuthorityState, upstream: Bool) -> String {
        var text = "  Authority ID: \(state.authorityID)\n"
        text += "  Expires at: \(GoFormatting.utcTime(unixSeconds: state.expiresAt))\n"
        guard upstream else { return text }
        if !state.upstreamAuthoritySubjectKeyID.isEmpty {
            return text + "  Upstream authority Subject Key ID: \(state.upstreamAuthoritySubjectKeyID)\n"
        }
        return text + "  Upstream authority ID: No upstream authority\n"
    }

    /// `show`: the active, prepared and old authority, each under its heading, with a blank line between.
    static func show(_ slots: Slots, label: String, upstream: Bool) -> String {
        [("Active", "active", slots.active), ("Prepared", "prepared", slots.prepared), ("Old", "old", slots.old)]
            .map { heading, word, state in
                "\(heading) \(label) authority:\n" + (state.map { Self.state($0, upstream: upstream) } ?? "  No \(word) \(label) authority found\n")
            }
            .joined(separator: "\n")
    }

    /// One authority under `title` (prepare, activate, taint, revoke).
    static func one(_ title: String, _ state: Spire_Api_Server_Localauthority_V1_AuthorityState?, upstream: Bool) -> String {
        title + "\n" + (state.map { Self.state($0, upstream: upstream) } ?? "")
    }

    /// `-authorityID`, which every command but show and prepare needs.
    static func required(_ authorityID: String) throws(CLIError) -> String {
        guard !authorityID.isEmpty else { throw CLIError("an authority ID is required") }
        return authorityID
    }
}
