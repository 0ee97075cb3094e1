/// The text `debug explain` prints, on the agent (`steeple-agent debug explain -pid N`) and on the server
/// (`steeple-server debug explain -selector …`): what the workload presents, then each entry with why it does or does
/// not apply, then the answer in one line.
extension Steeple_Server_V1_ExplainResponse {
    package var text: String {
        var text = ""
        if pid != 0 {
            text += attestationError.isEmpty ? "Process \(pid) (uid \(uid), gid \(gid))\n" : "Process \(pid)\n"
        }
        if !attestationError.isEmpty {
            text += "  cannot be attested: \(attestationError)\n"
        }
        text += "Selectors (\(selectors.count)):\n"
        for selector in selectors { text += "  \(selector)\n" }
        if !agentID.isEmpty {
            text += agentKnown
                ? "Agent \(agentID): node selectors \(agentSelectors.isEmpty ? "(none)" : agentSelectors.joined(separator: ", "))\n"
                : "Agent \(agentID): not attested to this server (no entry can be authorized for it)\n"
        }
        let matches = entries.filter(\.matched)
        text += "Entries (\(entries.count)), \(matches.count) matching:\n"
        for entry in entries {
            text += "  \(entry.matched ? "MATCH   " : "NO MATCH") \(entry.spiffeID)  (entry \(entry.entryID))\n"
            text += "           selectors: \(entry.selectors.joined(separator: ", "))\n"
            if !entry.missingSelectors.isEmpty {
                text += "           lacks:     \(entry.missingSelectors.joined(separator: ", "))\n"
            }
            if !entry.hint.isEmpty { text += "           hint:      \(entry.hint)\n" }
            if pid != 0 || !agentProblem.isEmpty || entry.svidReady || !entry.refusedReason.isEmpty {
                if !entry.refusedReason.isEmpty {
                    text += "           the server refused to sign it: \(entry.refusedReason)\n"
                } else if entry.matched {
                    text += entry.svidReady ? "           X509-SVID ready\n" : "           X509-SVID not issued yet\n"
                }
            }
        }
        if !agentProblem.isEmpty {
            text += "The agent cannot serve identities now: \(agentProblem)\n"
        }
        text += summary + "\n"
        return text
    }

    /// The answer in one line.
    package var summary: String {
        if !attestationError.isEmpty { return "No identity: the process could not be attested." }
        let matches = entries.filter(\.matched)
        if matches.isEmpty {
            if entries.isEmpty { return "No identity: no entry could apply (\(agentID.isEmpty && pid == 0 ? "no entry shares a selector with these" : "none is authorized for this agent"))." }
            return "No identity: no entry matches (\"no identity issued\"); each entry above lists the selectors the workload lacks."
        }
        return "Identities: " + matches.map(\.spiffeID).joined(separator: ", ")
    }
}
