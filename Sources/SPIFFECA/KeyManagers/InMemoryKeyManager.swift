package import X509

/// SPIRE's `KeyManager "memory"`: keys live only as long as the process, so every start makes a new CA.
package actor InMemoryKeyManager: KeyManager {
    private var keys: [String: Certificate.PrivateKey] = [:]

    package init() {}

    package func generateKey(id: String, type: CAKeyType) throws(CAError) -> Certificate.PrivateKey {
        let key = type.generate()
        keys[id] = key
        return key
    }

    package func fetchKey(id: String) throws(CAError) -> Certificate.PrivateKey? { keys[id] }

    package func deleteKey(id: String) throws(CAError) { keys[id] = nil }
}
