import SPIREAPIProto

/// SPIRE's text for attested agents (`cmd/spire-server/cli/agent/list.go` and `show.go`).
enum AgentPrinter {
    /// One agent, ending with a blank line:
    ///
    /// ```
    /// SPIFFE ID         : spiffe://example.org/spire/agent/join_token/…
    /// Attestation type  : join_token
    /// Expiration time   : 2024-05-17 17:35:45 +0000 UTC
    /// Serial number     : 1000950879…
    /// Can re-attest     : false
    ///
    /// ```
    ///
    /// A banned agent shows `Banned            : true` in place of its serial number, as in SPIRE; an agent that
    /// reported its version (`PostStatus`) ends with `Agent version     : 1.12.0`. Times are UTC
    /// (SPIRE prints the agent's expiry in the machine's local zone).
    static func block(_ agent: Spire_Api_Types_Agent) -> String {
        var text = line("SPIFFE ID", agent.id.uri)
        text += line("Attestation type", agent.attestationType)
        text += line("Expiration time", GoFormatting.utcTime(unixSeconds: agent.x509SvidExpiresAt))
        if agent.banned {
            text += line("Banned", "true")
        } else {
            text += line("Serial number", agent.x509SvidSerialNumber)
        }
        text += line("Can re-attest", agent.canReattest ? "true" : "false")
        if !agent.agentVersion.isEmpty { text += line("Agent version", agent.agentVersion) }
        return text + "\n"
    }

    /// `agent list`: `Found 2 attested agents:` and a blank line, then each agent; `No attested agents found`
    /// when there is none.
    static func list(_ agents: [Spire_Api_Types_Agent]) -> String {
        guard !agents.isEmpty else { return "No attested agents found\n" }
        return "Found \(GoFormatting.counted(agents.count, "attested agent", "attested agents")):\n\n"
            + agents.map(block).joined()
    }

    /// `agent show`: a header, the agent, then one `Selectors` line per node selector.
    static func show(_ agent: Spire_Api_Types_Agent) -> String {
        "Found an attested agent given its SPIFFE ID\n\n" + block(agent)
            + agent.selectors.map { line("Selectors", "\($0.type):\($0.value)") }.joined()
    }

    /// `agent count`: `3 attested agents`.
    static func count(_ count: Int64) -> String {
        GoFormatting.counted(Int(count), "attested agent", "attested agents") + "\n"
    }

    private static func line(_ label: String, _ value: String) -> String {
        label + String(repeating: " ", count: max(0, 18 - label.count)) + ": " + value + "\n"
    }
}
