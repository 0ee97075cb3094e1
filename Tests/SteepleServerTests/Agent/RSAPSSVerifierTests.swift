import _CryptoExtras
import Crypto
@testable import SteepleX509PoP
import SteepleSupport
import Testing

/// RSA-PSS with any salt length, for x509pop answers of stock SPIRE agents (Go signs with the longest salt). The
/// vectors were made once with Python's `cryptography` (OpenSSL), an implementation independent of this one:
/// `key.sign(digest, PSS(MGF1(SHA256), MAX_LENGTH | 0), Prehashed(SHA256))`.
@Suite("RSA-PSS verification, any salt length")
struct RSAPSSVerifierTests {
    static func hex(_ text: String) -> [UInt8] { HexEncoding.decode(text)! }

    static let digest = hex("36987fb03ed7ad9a86cc93ebb315fff1a3465dc6535cdcf2a4e995a2c450fbaf")
    /// RSA-2048, signed with the maximum salt (222 bytes), as Go's `rsa.SignPSS(…, nil)`.
    static let spki2048 = hex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100bea6da563a3201dba1a8f098a26a45964ce2617d747c374318a191844151bcc35e39799dacf33a5613c126dc21d33744c613aab0d3a865d628c9c22e7ac553ad0cdb6afbd82e87cbc68efeab3b81cd7b2b75c73afc040094063e7fe00083d5fc9054b0e5116a259283c90d88b0334106a519f0de96341b11d10028179a2c200999c02d7983ee0417bf8f1d3a3ccd8658e7db696e2d3d472d29183632a11bfa2f6399780a62f267bb8208f0cbcc8d97cbe081dfe6b2b17a39b51667494c6f6e3a3d30e5730f1759e834ec9bcb758711ffadb29096c9486c5336226bd26460bf1e76bfd140ef1bd2db50963727e4232762a7d26e6d74459bff8af275824ffdfa990203010001")
    static let maxSalt = hex("62fd07580ae25350aa5affc80d8463d0f753ec806d69980d42eb39a98b7e9b73d4cd1ad87157c13e07eb2cec2642ffcb8fef846525f1c0d7f45259692b4a3be6933fec0a73e658b279a0bf9a19e4229c479d1bd1c9e0ab2a711bc8ff1b901cb41b87fea224628a56683ac7d5d960a53b00e1a7af9e069f78f4abaa1799128e61328a4cf84c04b5e636b83f25c4b1fc76e0bc9f439f4fc21d2d67a554c72e1803b07a3b216e44fba70473d21eabe019685cc6c63c60b30c99f02988654e1ac0d116b902815e9d5710bfca1cf26eb1f79db6178cff0a22fe1643a8bb27fbfe98656be9d187b20f2b1dfc5938b233d0d58f20b647485c8a850bb45ccca297ef9321")
    /// RSA-3072, signed with no salt.
    static let spki3072 = hex("308201a2300d06092a864886f70d01010105000382018f003082018a0282018100ae79d3bd8e8ca55245552c0c8d5d1db0ad2acafae4a567c880e930d2eea984b2d51dff7f6557d713c74a60371ce3c8dad0a422add19f71c2c1af5d6a109a05a98a338590dfc8613ed303d52611613f66ed83d405449f45e429d754c179bb78799007fb68472aff4b63591467302251bb9e2ff1563f7e206abb528cc005c8422ba959382345ad3906bdebaed6e8a139c749a51813e7e3f5b957707933289da33c57cc6dc09dc536f2761fae5ed75416bd1d30635603938baa49039ec8522078a4faba80954b568471f5481090749adfd6b240586b0adb1a473678e8991cddd5760300df64123d87cd53ffdf68c1e0ea533887c50e39d2ab82b5efcd7fead1ebb138955f42397baa43a2c94d7739a4728bd5bd21f95cf29c51dda7b3844e5563e4b358a3e98c24bf7bda05d74ec053b6f424cdc0df321ddad0e1ec01f8de345cfa4aaa251f62165063d5927fcb3c8638e03db0d00d2119d6d543ead36420904251fc458ec480fcc7689a570c94300906a72bf8c2900852b55cbc3465b6a9cceceb0203010001")
    static let noSalt = hex("7a54c06fd0432d46bcc6a58ce4239d0b804542e20d148b29ca8b7bb00c09ce2bdc3ef382dc6b2a027fe14bc5effd45cd4f15ac84485093115ccd21dbc38c8a41469644736ceeda47543a93725a8cff4eae4416766564c4b1d3e3a14c2978b9030bb8d827f3b4e72214dc6515877a7f8eae676f63eee10ce101d3031cb8e91604fcf3e0167857ccc251752010036076ba9be80614fc00530922607fa49ea0a3f68da24375aa264825ec9efc89bcd8eb66b9f0f07ab6b1f9b77c7860d96f45c11d7bfe064d58a5ec048c2935521e0d284634042635817d71f7c9bc3cd3c1c8cf3d9fb47a88ccfe58961323213e8b01b54cf296ae7709f02d8cdda026eb18ea937a79d91c7c548af6b4c92f59204afa695c4e3d20adf3ddc1b36b2a1e2a940b745fe4d3803e101d76cc11f7ceb133e57f0981ff7f3ff63d121aa029ca52289ff4167d0b9e142f91d711c1e019dc11c62b57df18f6f11a0c19ddb8dcccecde142303cedd89bd2262232323cf91cf22cb7fd1083adb41a44cc2219876ba12896ac5ec")

    @Test("OpenSSL's signatures verify: maximum salt (what Go's SPIRE agent sends), and no salt")
    func recordedVectors() {
        #expect(RSAPSSVerifier.isValid(signature: Self.maxSalt, digest: Self.digest, subjectPublicKeyInfo: Self.spki2048))
        #expect(RSAPSSVerifier.isValid(signature: Self.noSalt, digest: Self.digest, subjectPublicKeyInfo: Self.spki3072))
        // swift-crypto refuses the maximum salt: this is why the verifier exists.
        let key = try? _RSA.Signing.PublicKey(derRepresentation: Self.spki2048)
        let digest = SHA256.hash(data: Array("x509pop vector".utf8))
        #expect(Array(digest) == Self.digest)
        #expect(key.map { !$0.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: Self.maxSalt), for: digest, padding: .PSS) } == true)
    }

    @Test("a changed digest, signature bit or key, a signature of another length, and PKCS#1 v1.5 are refused")
    func refusals() throws {
        var digest = Self.digest
        digest[0] ^= 1
        #expect(!RSAPSSVerifier.isValid(signature: Self.maxSalt, digest: digest, subjectPublicKeyInfo: Self.spki2048))
        var signature = Self.maxSalt
        signature[100] ^= 0x10
        #expect(!RSAPSSVerifier.isValid(signature: signature, digest: Self.digest, subjectPublicKeyInfo: Self.spki2048))
        #expect(!RSAPSSVerifier.isValid(signature: Self.maxSalt, digest: Self.digest, subjectPublicKeyInfo: Self.spki3072))
        #expect(!RSAPSSVerifier.isValid(signature: Array(Self.maxSalt.dropFirst()), digest: Self.digest, subjectPublicKeyInfo: Self.spki2048))
        #expect(!RSAPSSVerifier.isValid(signature: Self.maxSalt, digest: Self.digest, subjectPublicKeyInfo: [0x30, 0x03, 0x02, 0x01, 0x01]))
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let hash = SHA256.hash(data: [1, 2, 3])
        let pkcs1 = try key.signature(for: hash, padding: .insecurePKCS1v1_5)
        #expect(!RSAPSSVerifier.isValid(signature: Array(pkcs1.rawRepresentation), digest: Array(hash), subjectPublicKeyInfo: Array(key.publicKey.derRepresentation)))
    }

    /// DER of an RSA SubjectPublicKeyInfo with `modulus` and `exponent` (big-endian, unsigned).
    static func spki(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
        func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
            let count = body.count
            let length: [UInt8] = count < 0x80 ? [UInt8(count)] : count < 0x100 ? [0x81, UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xff)]
            return [tag] + length + body
        }
        func integer(_ bytes: [UInt8]) -> [UInt8] { tlv(0x02, (bytes.first ?? 0) >= 0x80 ? [0] + bytes : bytes) }
        let algorithm = tlv(0x30, [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00])
        return tlv(0x30, algorithm + tlv(0x03, [0] + tlv(0x30, integer(modulus) + integer(exponent))))
    }

    @Test("the public exponent must be what Go accepts (odd, 3 to 2³¹−1); the check is made before any arithmetic")
    func exponentBounds() throws {
        let (modulus, exponent) = try RSAPSSVerifier.publicNumbers(Self.spki2048)
        #expect(exponent == [0x01, 0x00, 0x01])
        // The re-encoded key is the same key: the vector still verifies, so a refusal below is the exponent's.
        #expect(Self.spki(modulus: modulus, exponent: exponent) == Self.spki2048)
        for refused: [UInt8] in [[0x01], [0x01, 0x00, 0x00], [0x01, 0x00, 0x00, 0x00, 0x00, 0x01], [0x80, 0x00, 0x00, 0x01]] {
            #expect(!RSAPSSVerifier.isValid(signature: Self.maxSalt, digest: Self.digest, subjectPublicKeyInfo: Self.spki(modulus: modulus, exponent: refused)),
                    "exponent \(refused)")
        }
    }

    @Test("swift-crypto's own PSS signatures (32-byte salt) verify, over many keys and digests", arguments: 0..<8)
    func swiftCryptoSignatures(_ round: Int) throws {
        let key = try _RSA.Signing.PrivateKey(keySize: round % 2 == 0 ? .bits2048 : .bits3072)
        let hash = SHA256.hash(data: [UInt8(round)])
        let signature = try key.signature(for: hash, padding: .PSS)
        #expect(RSAPSSVerifier.isValid(signature: Array(signature.rawRepresentation), digest: Array(hash), subjectPublicKeyInfo: Array(key.publicKey.derRepresentation)))
    }
}
