import GRPCCore
import GRPCUnixServer
import Logging
import SPIFFE
import SPIFFECA
import SPIREAPIProto
import SteepleSupport
import X509

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `audit_log_enabled = true`: SPIRE's audit lines (`msg="API accessed"`, `type=audit`, `status=success|error`, and
/// the caller and request fields under SPIRE's names), and, beyond SPIRE, one line per SVID the server signs
/// (`msg="SVID issued"`), so an auditor can answer who did what and which SVID went to whom from the log alone.
/// Disabled, it writes nothing and costs nothing.
struct AuditLog: Sendable {
    /// Nil when the audit log is off.
    let logger: Logger?

    init(enabled: Bool, logger: Logger) {
        self.logger = enabled ? logger : nil
    }

    var isEnabled: Bool { logger != nil }

    /// One API call's line (or one batch element's): the caller, the method, the request fields and the outcome.
    func call(caller: Logger.Metadata, service: String, method: String, requestID: String, fields: AuditFields, status: (code: Int32, message: String)) {
        guard let logger else { return }
        var metadata = caller
        metadata["type"] = "audit"
        metadata["request_id"] = .string(requestID)
        metadata["service"] = .string(service)
        metadata["method"] = .string(method)
        for (name, value) in fields { metadata[name] = .string(value) }
        if status.code == 0 {
            metadata["status"] = "success"
        } else {
            metadata["status"] = "error"
            metadata["status_code"] = .string(RPCError.Code.goName(number: status.code))
            metadata["status_message"] = .string(status.message)
        }
        logger.info("API accessed", metadata: metadata)
    }

    /// An X509-SVID signed for `spiffeID` (of entry `entryID`; none for an agent's own SVID), sent to `recipient`.
    func issued(x509 leaf: Certificate, spiffeID: SPIFFEID, entryID: String?, to recipient: SPIFFEID) {
        guard isEnabled else { return }
        issued(
            kind: "x509", spiffeID: spiffeID.description, entryID: entryID, serial: HexEncoding.lowercase(leaf.serialNumber.bytes),
            expiresAt: leaf.notValidAfter, to: recipient.description)
    }

    /// An X509-SVID the CA wrote (of entry `entryID`), sent to `recipient`: the same line as for its parsed leaf.
    func issued(x509 svid: IssuedX509SVID, spiffeID: SPIFFEID, entryID: String?, to recipient: SPIFFEID) {
        guard isEnabled else { return }
        issued(
            kind: "x509", spiffeID: spiffeID.description, entryID: entryID, serial: HexEncoding.lowercase(svid.serialNumber),
            expiresAt: svid.expiresAt, to: recipient.description)
    }

    /// A JWT-SVID signed (of entry `entryID`), sent to `recipient`.
    func issued(jwt svid: JWTSVID, entryID: String?, to recipient: SPIFFEID) {
        guard isEnabled else { return }
        issued(kind: "jwt", spiffeID: svid.subject.description, entryID: entryID, serial: nil, expiresAt: svid.expiresAt, to: recipient.description, audience: svid.audience)
    }

    /// One SVID signed: its kind, entry, SPIFFE ID, serial (X.509, hex), expiry (Unix seconds), and the agent (or
    /// caller) it went to.
    func issued(kind: String, spiffeID: String, entryID: String?, serial: String?, expiresAt: Date, to recipient: String, audience: [String] = []) {
        guard let logger else { return }
        var metadata: Logger.Metadata = [
            "type": "audit", "svid_type": .string(kind), "spiffe_id": .string(spiffeID),
            "expires_at": .string(String(Int64(expiresAt.timeIntervalSince1970))), "caller_id": .string(recipient),
        ]
        if let entryID { metadata["entry_id"] = .string(entryID) }
        if let serial { metadata["serial_num"] = .string(serial) }
        if !audience.isEmpty { metadata["audience"] = .string(audience.joined(separator: ",")) }
        logger.info("SVID issued", metadata: metadata)
    }

    /// SPIRE's caller fields: on the admin socket the peer's `caller_uid`, `caller_gid` and `caller_path` (the binary
    /// it runs); over TCP `caller_addr` and, when it presented one, the SPIFFE ID of its certificate as `caller_id`.
    static func callerFields(_ context: ServerContext) -> Logger.Metadata {
        if let peer = context.unixPeer {
            var fields: Logger.Metadata = ["caller_uid": .string(String(peer.credentials.uid)), "caller_gid": .string(String(peer.credentials.gid))]
            if let path = executablePath(pid: peer.credentials.pid) { fields["caller_path"] = .string(path) }
            return fields
        }
        var fields: Logger.Metadata = ["caller_addr": .string(context.remotePeer)]
        if let leaf = context.tlsPeer?.certificateChain.first, let names = try? leaf.extensions.subjectAlternativeNames {
            for name in names {
                if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix("spiffe://") {
                    fields["caller_id"] = .string(uri)
                    break
                }
            }
        }
        return fields
    }

    private static func executablePath(pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
