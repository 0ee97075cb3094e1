import Crypto
import SteepleSupport
import SteepleX509PoP
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's x509pop messages and proof checks (`SteepleX509PoP`): JSON decoding, the ECDSA and RSA-PSS verification
/// of an answer, and the hand-written RSA-PSS verifier's DER and arithmetic.
enum X509PoPTargets {
    /// Input: a selector byte, then bytes read as (0) the agent's payload, (1) the server's challenge, (2) an answer
    /// checked against a fixed ECDSA leaf and challenge, (3) an RSA-PSS signature checked against a fixed key and
    /// digest, (4) a SubjectPublicKeyInfo the fixed signature is checked against.
    static let messages = FuzzTarget(
        name: "x509pop",
        summary: "x509pop JSON messages (payload, challenge, answer verified against a fixed ECDSA leaf) and RSA-PSS verification with any salt (signature or key mutated)"
    ) { bytes in
        var input = FuzzInput(bytes)
        let selector = input.byte() % 5
        let body = input.rest()
        switch selector {
        case 0:
            if let data = try? X509PoPMessages.decode(X509PoPMessages.AttestationData.self, from: body, what: "data") {
                for der in data.certificates.prefix(5) { _ = try? Certificate(derEncoded: Array(der)) }
            }
        case 1:
            _ = try? X509PoPMessages.decode(X509PoPMessages.Challenge.self, from: body, what: "challenge")
        case 2:
            if let response = try? X509PoPMessages.decode(X509PoPMessages.Response.self, from: body, what: "challenge response") {
                _ = try? X509PoPProof.verify(response, to: Fixed.challenge, leaf: Fixed.leaf)
            }
        case 3:
            _ = RSAPSSVerifier.isValid(signature: body, digest: Fixed.digest, subjectPublicKeyInfo: Fixed.spki)
        default:
            _ = RSAPSSVerifier.isValid(signature: Fixed.signature, digest: Fixed.digest, subjectPublicKeyInfo: body)
        }
    }

    /// The fixed inputs the mutated half is checked against.
    enum Fixed {
        static let challenge = X509PoPMessages.Challenge(ecdsaSignature: .init(nonce: Data(0..<32)))
        static let leaf: Certificate = {
            let name = try! DistinguishedName { CommonName("fuzz-node") }
            return try! Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: [1]), publicKey: .init(FuzzKeys.p256.publicKey),
                notValidBefore: FuzzKeys.now - 3600, notValidAfter: FuzzKeys.now + 3600, issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try! Certificate.Extensions { Critical(KeyUsage(digitalSignature: true)) },
                issuerPrivateKey: .init(FuzzKeys.p256))
        }()
        /// An RSA-2048 key and a maximum-salt PSS signature of `digest` made by OpenSSL (as in RSAPSSVerifierTests).
        static let spki = hex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100bea6da563a3201dba1a8f098a26a45964ce2617d747c374318a191844151bcc35e39799dacf33a5613c126dc21d33744c613aab0d3a865d628c9c22e7ac553ad0cdb6afbd82e87cbc68efeab3b81cd7b2b75c73afc040094063e7fe00083d5fc9054b0e5116a259283c90d88b0334106a519f0de96341b11d10028179a2c200999c02d7983ee0417bf8f1d3a3ccd8658e7db696e2d3d472d29183632a11bfa2f6399780a62f267bb8208f0cbcc8d97cbe081dfe6b2b17a39b51667494c6f6e3a3d30e5730f1759e834ec9bcb758711ffadb29096c9486c5336226bd26460bf1e76bfd140ef1bd2db50963727e4232762a7d26e6d74459bff8af275824ffdfa990203010001")
        static let signature = hex("62fd07580ae25350aa5affc80d8463d0f753ec806d69980d42eb39a98b7e9b73d4cd1ad87157c13e07eb2cec2642ffcb8fef846525f1c0d7f45259692b4a3be6933fec0a73e658b279a0bf9a19e4229c479d1bd1c9e0ab2a711bc8ff1b901cb41b87fea224628a56683ac7d5d960a53b00e1a7af9e069f78f4abaa1799128e61328a4cf84c04b5e636b83f25c4b1fc76e0bc9f439f4fc21d2d67a554c72e1803b07a3b216e44fba70473d21eabe019685cc6c63c60b30c99f02988654e1ac0d116b902815e9d5710bfca1cf26eb1f79db6178cff0a22fe1643a8bb27fbfe98656be9d187b20f2b1dfc5938b233d0d58f20b647485c8a850bb45ccca297ef9321")
        static let digest = hex("36987fb03ed7ad9a86cc93ebb315fff1a3465dc6535cdcf2a4e995a2c450fbaf")

        static func hex(_ text: String) -> [UInt8] { HexEncoding.decode(text)! }
    }
}
