import SteepleConfig

extension ServerConfiguration {
    /// The longest SVID TTL SPIRE guarantees whatever `ca_ttl` is: 7 days.
    package static let maximumGuaranteedSVIDTTL = Duration.seconds(7 * 24 * 3600)

    /// SPIRE's warnings, word for word, for an SVID TTL that a scheduled CA rotation may cut short.
    ///
    /// A CA is prepared at half its life and activated at five sixths of it, so an SVID issued just before the
    /// activation is capped at the old authority's notAfter: its full TTL is guaranteed only up to `ca_ttl / 6` (and
    /// never beyond 7 days). As in SPIRE this is a warning, not an error: such a server starts and issues SVIDs whose
    /// notAfter is the authority's when that comes first. Checked for `default_x509_svid_ttl` and
    /// `default_jwt_svid_ttl` (SPIRE's two) and, beyond SPIRE, `agent_ttl`.
    package var ttlWarnings: [String] {
        var checks: [(name: String, ttl: Duration)] = [
            ("default_x509_svid_ttl", defaultX509SVIDTTL), ("default_jwt_svid_ttl", defaultJWTSVIDTTL),
        ]
        if let agentTTL { checks.append(("agent_ttl", agentTTL)) }
        let guaranteed = Self.guaranteedSVIDTTL(caTTL: caTTL)
        return checks.filter { $0.ttl > guaranteed }.map { name, ttl in
            if ttl < Self.maximumGuaranteedSVIDTTL {
                return "\(name) is too high for the configured ca_ttl value. SVIDs with shorter lifetimes may be issued. "
                    + "Please set \(name) to \(Self.spireDuration(guaranteed)) or less, or the ca_ttl to "
                    + "\(Self.spireDuration(ttl * 6)) or more, to guarantee the full \(name) lifetime when CA rotations are scheduled."
            }
            if caTTL < Self.maximumGuaranteedSVIDTTL * 6 {
                return "\(name) is too high and the ca_ttl is too low. SVIDs with shorter lifetimes may be issued. "
                    + "Please set \(name) to \(Self.spireDuration(Self.maximumGuaranteedSVIDTTL)) or less, and the ca_ttl to "
                    + "\(Self.spireDuration(Self.maximumGuaranteedSVIDTTL * 6)) or more, to guarantee the full \(name) lifetime "
                    + "when CA rotations are scheduled."
            }
            return "\(name) is too high. SVIDs with shorter lifetimes may be issued. Please set \(name) to "
                + "\(Self.spireDuration(Self.maximumGuaranteedSVIDTTL)) or less to guarantee the full \(name) lifetime when CA "
                + "rotations are scheduled."
        }
    }

    /// `ca_ttl / 6`, at most 7 days.
    package static func guaranteedSVIDTTL(caTTL: Duration) -> Duration {
        min(caTTL / 6, maximumGuaranteedSVIDTTL)
    }

    /// A duration as SPIRE prints it in these warnings: Go's form truncated to seconds, without a trailing `0s` or
    /// `0m` (`4h`, `1m40s`, `2h12m`).
    package static func spireDuration(_ duration: Duration) -> String {
        var text = GoDuration.format(.seconds(duration.components.seconds))
        if text.hasSuffix("m0s") { text.removeLast(2) }
        if text.hasSuffix("h0m") { text.removeLast(2) }
        return text
    }
}
