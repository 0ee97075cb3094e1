package import X509
import SteepleSupport
import SwiftASN1


/// SPIRE's `KeyManager "disk"`: every key is kept in one file (`keys_path`), mode 0600, as PKCS#8 PEM blocks each
/// preceded by a `# key-id: <id>` line. Writes go to a temporary file that is fsynced and renamed over the old one,
/// so the file is always either the old or the new complete set, even after a crash.
package actor DiskKeyManager: KeyManager {
    private let path: String
    private var keys: [String: Certificate.PrivateKey]

    /// Opens (or prepares to create) the key file.
    ///
    /// - Throws: ``CAError/Code/keyStorage`` when the file exists but cannot be read or parsed.
    package init(path: String) throws(CAError) {
        self.path = path
        self.keys = try Self.load(path: path)
    }

    package func generateKey(id: String, type: CAKeyType) throws(CAError) -> Certificate.PrivateKey {
        let key = type.generate()
        var updated = keys
        updated[id] = key
        try Self.store(updated, path: path)
        keys = updated
        return key
    }

    package func fetchKey(id: String) throws(CAError) -> Certificate.PrivateKey? { keys[id] }

    package func deleteKey(id: String) throws(CAError) {
        guard keys[id] != nil else { return }
        var updated = keys
        updated[id] = nil
        try Self.store(updated, path: path)
        keys = updated
    }

    private static let idPrefix = "# key-id: "

    static func load(path: String) throws(CAError) -> [String: Certificate.PrivateKey] {
        guard let text = FileIO.read(path: path) else { return [:] }
        var keys: [String: Certificate.PrivateKey] = [:]
        var currentID: String?
        var block = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(idPrefix) {
                currentID = String(line.dropFirst(idPrefix.count))
                block = ""
            } else if let id = currentID {
                block += line + "\n"
                if line.hasPrefix("-----END ") {
                    do {
                        keys[id] = try Certificate.PrivateKey(pemEncoded: block)
                    } catch {
                        throw CAError(.keyStorage, "key \"\(id)\" in \(path) is not a valid PEM private key", cause: error)
                    }
                    currentID = nil
                }
            }
        }
        return keys
    }

    static func store(_ keys: [String: Certificate.PrivateKey], path: String) throws(CAError) {
        var text = "# Steeple CA keys. Keep private (mode 0600).\n"
        for id in keys.keys.sorted() {
            let pem = try? keys[id]!.serializeAsPEM().pemString
            guard let pem else { throw CAError(.keyStorage, "key \"\(id)\" cannot be serialized") }
            text += idPrefix + id + "\n" + pem + "\n"
        }
        do {
            try FileIO.writeAtomically(path: path, contents: Array(text.utf8), mode: 0o600)
        } catch {
            throw CAError(.keyStorage, error.description)
        }
    }
}
