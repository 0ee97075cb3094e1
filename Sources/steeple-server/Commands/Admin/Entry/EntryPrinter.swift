import SPIREAPIProto

/// SPIRE's text for registration entries (`cmd/spire-server/cli/entry/util.go`, `printEntry`).
enum EntryPrinter {
    /// One entry as SPIRE prints it, ending with a blank line:
    ///
    /// ```
    /// Entry ID         : 6b6ee4b0-…
    /// SPIFFE ID        : spiffe://example.org/web
    /// Parent ID        : spiffe://example.org/spire/agent/join_token/…
    /// Revision         : 0
    /// X509-SVID TTL    : default
    /// JWT-SVID TTL     : default
    /// Selector         : unix:uid:1000
    ///
    /// ```
    ///
    /// Optional lines (`Downstream`, `Expiration time`, `FederatesWith`, `DNS name`, `Admin`, `StoreSvid`, `Hint`,
    /// `DisableX509SvidPrefetch`, `JwtSvidIncludeJti`) appear only when set, in SPIRE's order.
    static func block(_ entry: Spire_Api_Types_Entry) -> String {
        var text = line("Entry ID", entry.id.isEmpty ? "(none)" : entry.id)
        text += line("SPIFFE ID", entry.spiffeID.uri)
        text += line("Parent ID", entry.parentID.uri)
        text += line("Revision", String(entry.revisionNumber))
        if entry.downstream {
            text += line("Downstream", "true")
        }
        text += line("X509-SVID TTL", entry.x509SvidTtl == 0 ? "default" : String(entry.x509SvidTtl))
        text += line("JWT-SVID TTL", entry.jwtSvidTtl == 0 ? "default" : String(entry.jwtSvidTtl))
        if entry.expiresAt != 0 {
            text += line("Expiration time", GoFormatting.utcTime(unixSeconds: entry.expiresAt))
        }
        for selector in entry.selectors {
            text += line("Selector", "\(selector.type):\(selector.value)")
        }
        for trustDomain in entry.federatesWith {
            text += line("FederatesWith", trustDomain)
        }
        for dnsName in entry.dnsNames {
            text += line("DNS name", dnsName)
        }
        if entry.admin {
            text += line("Admin", "true")
        }
        if entry.storeSvid {
            text += line("StoreSvid", "true")
        }
        if !entry.hint.isEmpty {
            text += line("Hint", entry.hint)
        }
        // SPIRE's words for the additional attributes, which came with its wider label column: these two lines
        // are the only ones printed in it (the others keep the column of the SPIRE releases operators run).
        if entry.hasAdditionalAttributes, entry.additionalAttributes.disableX509SvidPrefetch {
            text += "DisableX509SvidPrefetch : true\n"
        }
        if entry.hasAdditionalAttributes, entry.additionalAttributes.jwtSvidIncludeJti {
            text += "JwtSvidIncludeJti       : true\n"
        }
        return text + "\n"
    }

    /// `entry show`: `Found 2 entries` then each entry.
    static func found(_ entries: [Spire_Api_Types_Entry]) -> String {
        "Found \(GoFormatting.counted(entries.count, "entry", "entries"))\n" + entries.map(block).joined()
    }

    /// `entry count`: `3 registration entries`.
    static func count(_ count: Int64) -> String {
        GoFormatting.counted(Int(count), "registration entry", "registration entries") + "\n"
    }

    /// The header SPIRE prints on stderr before an entry a batch call rejected:
    /// `Failed to create the following entry (code: AlreadyExists, msg: "similar entry already exists"):`.
    static func failureHeader(verb: String, status: Spire_Api_Types_Status) -> String {
        "Failed to \(verb) the following entry (code: \(GRPCStatusName.name(of: status.code)), msg: \(GoFormatting.quoted(status.message))):\n"
    }

    private static func line(_ label: String, _ value: String) -> String {
        label + String(repeating: " ", count: max(0, 17 - label.count)) + ": " + value + "\n"
    }
}
