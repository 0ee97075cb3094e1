package import X509

/// Holds the CA's private keys by ID (SPIRE's `KeyManager` plugin type). Keys of the X.509 and JWT authorities
/// are created through it so that a restart finds them again (`disk`) or deliberately does not (`memory`).
package protocol KeyManager: Sendable {
    /// Creates a key of `type` under `id`, replacing any key with that ID, and stores it before returning.
    func generateKey(id: String, type: CAKeyType) async throws(CAError) -> Certificate.PrivateKey
    /// The key stored under `id`, or `nil`.
    func fetchKey(id: String) async throws(CAError) -> Certificate.PrivateKey?
    /// Removes the key stored under `id`, if any.
    func deleteKey(id: String) async throws(CAError)
}
