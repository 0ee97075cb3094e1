import Foundation

/// The identity of one server among several sharing a datastore: a UUID kept in `<data_dir>/server_instance_id`,
/// created at first start. It names the server's CA journal (`server/<uuid>`), so that each server keeps a CA of its
/// own in the shared database, next to its own keys in its own `data_dir`.
enum ServerInstanceID {
    static let fileName = "server_instance_id"

    /// Reads the ID, or creates it (mode 0600) when the file is missing.
    ///
    /// - Throws: when the file exists but does not hold a UUID (it is never overwritten), or cannot be written.
    static func loadOrCreate(dataDirectory: String) throws -> String {
        let path = dataDirectory + "/" + fileName
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let id = UUID(uuidString: text) else {
                throw ServerInstanceIDError(path: path, found: text)
            }
            return id.uuidString.lowercased()
        }
        let id = UUID().uuidString.lowercased()
        guard FileManager.default.createFile(atPath: path, contents: Data((id + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerInstanceIDError(path: path, found: nil)
        }
        return id
    }
}

struct ServerInstanceIDError: Error, CustomStringConvertible {
    var path: String
    var found: String?

    var description: String {
        if let found {
            return "\(path) holds \"\(found.prefix(64))\", not a UUID: it names this server's CA in the shared datastore; restore it, or delete it to start this server with a new CA"
        }
        return "cannot create \(path): the server's data_dir must be writable"
    }
}
