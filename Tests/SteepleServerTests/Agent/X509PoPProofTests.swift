import _CryptoExtras
import Crypto
import SteepleX509PoP
import SwiftASN1
import Testing
import X509

import Foundation

/// SPIRE's x509pop proof of possession, both halves: the messages are SPIRE's JSON, and what one side signs the other
/// verifies for every key type SPIRE's agent takes. (The exchange with a stock SPIRE agent's bytes is proven by
/// `Tests/Interop/spire_agent_check.py`, a client built from SPIRE's protos that signs with Python's `cryptography`.)
@Suite("x509pop proof of possession")
struct X509PoPProofTests {
    static func leaf(_ key: X509PoPSigningKey, usage: KeyUsage? = KeyUsage(digitalSignature: true)) throws -> Certificate {
        let issuer = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("node") }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: Date(), notValidAfter: Date() + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if let usage { Critical(usage) }
            },
            issuerPrivateKey: .init(issuer))
    }

    static let keys: [(String, X509PoPSigningKey)] = [
        ("P-256", .p256(P256.Signing.PrivateKey())),
        ("P-384", .p384(P384.Signing.PrivateKey())),
        ("P-521", .p521(P521.Signing.PrivateKey())),
        ("RSA-2048", .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))),
    ]

    @Test("the agent's answer verifies at the server, through the JSON both send", arguments: 0..<4)
    func roundTrip(_ index: Int) throws {
        let (name, key) = Self.keys[index]
        let leaf = try Self.leaf(key)
        let challenge = try X509PoPProof.challenge(for: leaf)
        let sentChallenge = X509PoPMessages.encode(challenge)
        let received = try X509PoPMessages.decode(X509PoPMessages.Challenge.self, from: sentChallenge, what: "challenge")
        let response = X509PoPMessages.encode(try X509PoPProof.response(to: received, with: key))
        let decoded = try X509PoPMessages.decode(X509PoPMessages.Response.self, from: response, what: "challenge response")
        #expect(throws: Never.self, "\(name)") { try X509PoPProof.verify(decoded, to: challenge, leaf: leaf) }
        // Another challenge (a replay of this answer to a new nonce) fails.
        let other = try X509PoPProof.challenge(for: leaf)
        #expect(throws: X509PoPError.self, "\(name): a replayed answer verified") { try X509PoPProof.verify(decoded, to: other, leaf: leaf) }
        // An answer by another key of the same type fails.
        let stranger: X509PoPSigningKey = switch key {
        case .p256: .p256(P256.Signing.PrivateKey())
        case .p384: .p384(P384.Signing.PrivateKey())
        case .p521: .p521(P521.Signing.PrivateKey())
        case .rsa: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
        let forged = try X509PoPProof.response(to: challenge, with: stranger)
        #expect(throws: X509PoPError.self, "\(name): another key's answer verified") { try X509PoPProof.verify(forged, to: challenge, leaf: leaf) }
    }

    @Test("the challenge is SPIRE's JSON: the key names the signature wanted, the nonce is 32 bytes of standard base64")
    func challengeShape() throws {
        let ecdsa = try X509PoPProof.challenge(for: Self.leaf(Self.keys[0].1))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(X509PoPMessages.encode(ecdsa))) as? [String: Any])
        let nonce = try #require((json["ecdsa_signature"] as? [String: Any])?["nonce"] as? String)
        #expect(Data(base64Encoded: nonce)?.count == 32)
        #expect(json["rsa_signature"] == nil)
        let rsa = try X509PoPProof.challenge(for: Self.leaf(Self.keys[3].1))
        #expect(rsa.rsaSignature?.nonce.count == 32 && rsa.ecdsaSignature == nil)
    }

    @Test("what Go's encoding/json writes decodes: null for the other signature, r and s without leading zeros")
    func goShapes() throws {
        let challenge = try X509PoPMessages.decode(X509PoPMessages.Challenge.self, from: Array(#"{"rsa_signature":null,"ecdsa_signature":{"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}"#.utf8), what: "challenge")
        #expect(challenge.ecdsaSignature?.nonce == Data(0..<32) && challenge.rsaSignature == nil)
        // An ECDSA answer whose r has a leading zero byte arrives with it dropped (Go's big.Int.Bytes); it still verifies.
        let key = P256.Signing.PrivateKey()
        let leaf = try Self.leaf(.p256(key))
        let sent = try X509PoPProof.challenge(for: leaf)
        for _ in 0..<2000 {
            let response = try X509PoPProof.response(to: sent, with: .p256(key))
            guard let ecdsa = response.ecdsaSignature, ecdsa.r.count < 32 || ecdsa.s.count < 32 else { continue }
            #expect(throws: Never.self) { try X509PoPProof.verify(response, to: sent, leaf: leaf) }
            return
        }
        Issue.record("no signature with a short r or s in 2,000 tries (expected about 1 in 128)")
    }

    @Test("refusals name what is wrong: no digitalSignature key usage, a nonce not 32 bytes, the wrong signature kind, JSON that is not SPIRE's")
    func refusals() throws {
        let key = X509PoPSigningKey.p256(P256.Signing.PrivateKey())
        #expect { try X509PoPProof.challenge(for: Self.leaf(key, usage: nil)) } throws: {
            "\($0)".contains("not intended for digital signature use")
        }
        #expect { try X509PoPProof.challenge(for: Self.leaf(key, usage: KeyUsage(keyEncipherment: true))) } throws: {
            "\($0)".contains("not intended for digital signature use")
        }
        let leaf = try Self.leaf(key)
        let challenge = try X509PoPProof.challenge(for: leaf)
        var short = try X509PoPProof.response(to: challenge, with: key)
        short.ecdsaSignature?.nonce = Data([1, 2, 3])
        #expect { try X509PoPProof.verify(short, to: challenge, leaf: leaf) } throws: { "\($0)" == "invalid response nonce" }
        let rsaAnswer = X509PoPMessages.Response(rsaSignature: .init(nonce: Data(count: 32), signature: Data(count: 256)))
        #expect { try X509PoPProof.verify(rsaAnswer, to: challenge, leaf: leaf) } throws: { "\($0)" == "expecting ECDSA response" }
        #expect { try X509PoPProof.response(to: X509PoPMessages.Challenge(rsaSignature: .init(nonce: Data(count: 32))), with: key) } throws: {
            "\($0)" == "expecting ECDSA challenge"
        }
        #expect { try X509PoPMessages.decode(X509PoPMessages.AttestationData.self, from: [0x30, 0x82, 0x01], what: "data") } throws: {
            "\($0)".hasPrefix("failed to unmarshal data: expected SPIRE's x509pop JSON")
        }
        #expect { try X509PoPMessages.decode(X509PoPMessages.AttestationData.self, from: Array(#"{"certificates":["%%%"]}"#.utf8), what: "data") } throws: {
            "\($0)".hasPrefix("failed to unmarshal data")
        }
    }
}
