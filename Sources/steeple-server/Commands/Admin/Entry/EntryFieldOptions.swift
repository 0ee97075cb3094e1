import ArgumentParser
import Foundation
import SteepleCLI
import SPIFFE
import SPIREAPIProto

/// The flags that describe one entry, shared by `entry create` and `entry update` (SPIRE's spelling).
struct EntryFieldOptions: ParsableArguments {
    @Option(name: .spire("entryID"), help: "The registration entry ID (create: optional custom ID; update: required)")
    var entryID: String?

    @Option(name: .spire("spiffeID"), help: "The SPIFFE ID that this record represents")
    var spiffeID: String?

    @Option(name: .spire("parentID"), help: "The SPIFFE ID of this record's parent")
    var parentID: String?

    @Option(name: .spire("selector"), help: "A colon-delimited type:value selector. Can be used more than once")
    var selectors: [String] = []

    @Option(
        name: .spire("x509SVIDTTL"),
        parsing: .unconditional,
        help: "The lifetime, in seconds, for x509-SVIDs issued based on this registration entry."
    )
    var x509SVIDTTL: Int32 = 0

    @Option(
        name: .spire("jwtSVIDTTL"),
        parsing: .unconditional,
        help: "The lifetime, in seconds, for JWT-SVIDs issued based on this registration entry."
    )
    var jwtSVIDTTL: Int32 = 0

    @Option(
        name: .spire("ttl"),
        parsing: .unconditional,
        help: "Deprecated (SPIRE removed it in 1.11; older scripts use it): the x509-SVID lifetime in seconds when -x509SVIDTTL is not given"
    )
    var ttl: Int32 = 0

    @Option(name: .spire("federatesWith"), help: "SPIFFE ID of a trust domain to federate with. Can be used more than once")
    var federatesWith: [String] = []

    @Option(
        name: .spire("dns"),
        help: "A DNS name that will be included in SVIDs issued based on this entry, where appropriate. Can be used more than once"
    )
    var dnsNames: [String] = []

    @Flag(
        name: .spire("admin"),
        help: "If set, the SPIFFE ID in this entry will be granted access to the server's management APIs"
    )
    var admin = false

    @Flag(
        name: .spire("downstream"),
        help: "A boolean value that, when set, indicates that the entry describes a downstream server"
    )
    var downstream = false

    @Flag(
        name: .spire("storeSVID"),
        help: "A boolean value that, when set, indicates that the resulting issued SVID from this entry must be stored through an SVIDStore plugin"
    )
    var storeSVID = false

    @Flag(
        name: .spire("disableX509SVIDPrefetch"),
        help: "A boolean value that, when set, disables prefetching X509 SVID for this entry: the agent issues it when a workload first asks"
    )
    var disableX509SVIDPrefetch = false

    @Flag(
        name: .spire("jwtSVIDIncludeJTI"),
        help: "A boolean value that, when set, includes a unique 'jti' claim in JWT-SVIDs issued for this entry and bypasses the agent JWT-SVID cache"
    )
    var jwtSVIDIncludeJTI = false

    @Option(name: .spire("hint"), help: "The entry hint, used to disambiguate entries with the same SPIFFE ID")
    var hint: String?

    @Option(
        name: .spire("entryExpiry"),
        parsing: .unconditional,
        help: "An expiry, from epoch in seconds, for the resulting registration entry to be pruned"
    )
    var entryExpiry: Int64 = 0

    @Option(
        name: .spire("data"),
        help: "Path to a file containing registration JSON (optional). If set to '-', read the JSON from stdin."
    )
    var dataPath: String?

    /// The entry the flags describe, checked as SPIRE checks them before calling the server.
    ///
    /// - Parameters:
    ///   - node: `entry create -node`: the parent is the server, `spiffe://<trust domain of -spiffeID>/spire/server`.
    ///   - purpose: `update` requires `-entryID` and `-parentID`.
    /// - Throws: ``CLIError`` with SPIRE's messages (`at least one selector is required`, …) or naming the
    ///   malformed selector or ID.
    func entry(node: Bool, purpose: EntryBatchFile.Purpose) throws(CLIError) -> Spire_Api_Types_Entry {
        if purpose == .update, (entryID ?? "").isEmpty {
            throw CLIError("an entry ID is required")
        }
        if selectors.isEmpty {
            throw CLIError("at least one selector is required")
        }
        if node, !federatesWith.isEmpty {
            throw CLIError("node entries can not federate")
        }
        if (parentID ?? "").isEmpty, !node {
            throw CLIError(
                purpose == .create ? "a parent ID is required if the node flag is not set" : "a parent ID is required"
            )
        }
        guard let spiffeIDText = spiffeID, !spiffeIDText.isEmpty else {
            throw CLIError("a SPIFFE ID is required")
        }
        if ttl < 0 {
            throw CLIError("a positive TTL is required")
        }
        if ttl > 0, x509SVIDTTL > 0 || jwtSVIDTTL > 0 {
            throw CLIError("use x509SVIDTTL and jwtSVIDTTL flags or the deprecated ttl flag")
        }
        if x509SVIDTTL < 0 {
            throw CLIError("a positive x509-SVID TTL is required")
        }
        if jwtSVIDTTL < 0 {
            throw CLIError("a positive JWT-SVID TTL is required")
        }

        let id = try IDArgument.spiffeID(spiffeIDText, flag: "spiffeID")
        var entry = Spire_Api_Types_Entry()
        entry.id = entryID ?? ""
        entry.spiffeID = Spire_Api_Types_SPIFFEID(id)
        entry.parentID = node ? Self.serverID(of: id.trustDomain) : try IDArgument.spireID(parentID ?? "", flag: "parentID")
        entry.selectors = try SelectorArgument.parse(selectors)
        // As SPIRE's -ttl did: the X509-SVID TTL only (JWT-SVIDs kept their own default).
        entry.x509SvidTtl = x509SVIDTTL == 0 ? ttl : x509SVIDTTL
        entry.jwtSvidTtl = jwtSVIDTTL
        entry.federatesWith = try federatesWith.map { (text) throws(CLIError) in
            try IDArgument.trustDomain(text, flag: "federatesWith").name
        }
        entry.dnsNames = dnsNames
        entry.admin = admin
        entry.downstream = downstream
        entry.storeSvid = storeSVID
        entry.hint = hint ?? ""
        entry.expiresAt = entryExpiry
        // As SPIRE's CLI: the attributes are sent only when one is set.
        if disableX509SVIDPrefetch || jwtSVIDIncludeJTI {
            entry.additionalAttributes.disableX509SvidPrefetch = disableX509SVIDPrefetch
            entry.additionalAttributes.jwtSvidIncludeJti = jwtSVIDIncludeJTI
        }
        return entry
    }

    /// The entries to send: those of the `-data` document when given (other entry flags are then ignored, as in
    /// SPIRE), else the one the flags describe.
    func entries(node: Bool, purpose: EntryBatchFile.Purpose) throws(CLIError) -> [Spire_Api_Types_Entry] {
        if let dataPath {
            return try EntryBatchFile.parse(
                InputFile.read(dataPath),
                source: InputFile.displayName(dataPath),
                purpose: purpose
            )
        }
        return [try entry(node: node, purpose: purpose)]
    }

    /// The SPIFFE ID SPIRE gives the server of a trust domain, the parent of node entries (`idutil.ServerIDPath`).
    static func serverID(of trustDomain: TrustDomain) -> Spire_Api_Types_SPIFFEID {
        var id = Spire_Api_Types_SPIFFEID()
        id.trustDomain = trustDomain.name
        id.path = "/spire/server"
        return id
    }
}
