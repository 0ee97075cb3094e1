import Foundation

/// A minted X509-SVID as `x509 mint` prints or writes it.
struct X509MintResult: Equatable {
    /// The certificate chain, leaf first, one DER value each.
    var chain: [[UInt8]]
    /// The PKCS#8 DER private key.
    var privateKey: [UInt8]
    /// The trust domain's X.509 authorities, one DER value each.
    var rootCAs: [[UInt8]]

    init(chain: [[UInt8]], privateKey: [UInt8], rootCAs: [[UInt8]]) {
        self.chain = chain
        self.privateKey = privateKey
        self.rootCAs = rootCAs
    }

    /// The result as SPIRE checks it: a chain, a key and at least one authority.
    ///
    /// - Throws: ``CLIError`` naming what the server's answers lack.
    init(checking chain: [[UInt8]], privateKey: [UInt8], rootCAs: [[UInt8]]) throws(CLIError) {
        guard !chain.isEmpty else { throw CLIError("server response missing SVID chain") }
        guard !rootCAs.isEmpty else { throw CLIError("server response missing X509 Authorities") }
        self.init(chain: chain, privateKey: privateKey, rootCAs: rootCAs)
    }

    var svidPEM: String { PEMText.certificates(chain) }
    var keyPEM: String { PEMText.block(type: "PRIVATE KEY", der: privateKey) }
    var bundlePEM: String { PEMText.certificates(rootCAs) }

    /// SPIRE's output without `-write`: each part under its title, followed by a blank line.
    var pretty: String {
        "X509-SVID:\n\(svidPEM)\nPrivate key:\n\(keyPEM)\nRoot CAs:\n\(bundlePEM)\n"
    }

    /// SPIRE's JSON for `-output json`: base64 DER, `{"x509_svid": [...], "private_key": "...", "root_cas": [...]}`.
    var json: String {
        func quoted(_ der: [UInt8]) -> String { "\"\(Data(der).base64EncodedString())\"" }
        let chainJSON = chain.map(quoted).joined(separator: ",")
        let rootsJSON = rootCAs.map(quoted).joined(separator: ",")
        return "{\"x509_svid\":[\(chainJSON)],\"private_key\":\(quoted(privateKey)),\"root_cas\":[\(rootsJSON)]}\n"
    }
}
