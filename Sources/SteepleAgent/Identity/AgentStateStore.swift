import Logging
import SPIFFE
import SteepleSupport
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's state in its data directory, so a restart re-uses the identity without a new token:
/// `agent_svid.der` (the chain, concatenated DER), `agent_svid.key` (PKCS#8 DER, 0600; only with `KeyManager "disk"`)
/// and `bundle.json` (the trust domain's SPIFFE bundle, the trust anchor for the next connection).
struct AgentStateStore: Sendable {
    let directory: String
    let trustDomain: TrustDomain
    let persistKey: Bool

    private var chainPath: String { directory + "/agent_svid.der" }
    private var keyPath: String { directory + "/agent_svid.key" }
    private var bundlePath: String { directory + "/bundle.json" }

    func prepareDirectory() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The saved identity, or nil when there is none (or the key is not kept on disk).
    func loadIdentity() throws -> AgentIdentity? {
        guard persistKey, let chainData = FileManager.default.contents(atPath: chainPath),
            let keyData = FileManager.default.contents(atPath: keyPath)
        else { return nil }
        let chain = try X509Bundle(trustDomain: trustDomain, derBytes: Array(chainData)).x509Authorities
        let key = try Certificate.PrivateKey(derBytes: Array(keyData))
        let id = try X509SVIDVerifier.validateShape(of: chain)
        return AgentIdentity(id: id, chain: chain, privateKey: key)
    }

    func saveIdentity(_ identity: AgentIdentity) throws {
        guard persistKey else { return }
        // Key first: a chain without its key is useless, a key without its chain is simply ignored.
        try FileIO.writeAtomically(path: keyPath, contents: try identity.privateKey.pkcs8DER(), mode: 0o600)
        try FileIO.writeAtomically(path: chainPath, contents: X509Bundle(trustDomain: trustDomain, x509Authorities: identity.chain).derRepresentation, mode: 0o644)
    }

    func deleteIdentity() {
        try? FileManager.default.removeItem(atPath: chainPath)
        try? FileManager.default.removeItem(atPath: keyPath)
    }

    func loadBundle() throws -> SPIFFEBundle? {
        guard let data = FileManager.default.contents(atPath: bundlePath) else { return nil }
        return try SPIFFEBundle(trustDomain: trustDomain, json: Array(data))
    }

    func saveBundle(_ bundle: SPIFFEBundle) throws {
        try FileIO.writeAtomically(path: bundlePath, contents: bundle.jsonRepresentation, mode: 0o644)
    }
}

extension Certificate.PrivateKey {
    /// PKCS#8 DER.
    func pkcs8DER() throws -> [UInt8] {
        let document = try serializeAsPEM()
        return document.derBytes
    }
}
