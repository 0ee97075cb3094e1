import Foundation
@testable import SPIFFE
import SwiftASN1
import Testing
import X509

@Suite("SPIFFEBundle golden document (SPEC §4.3)")
struct SPIFFEBundleGoldenTests {
    static let document = #"""
        {
          "spiffe_sequence": 1,
          "spiffe_refresh_hint": 300,
          "keys": [
            {
              "use": "x509-svid",
              "kty": "EC",
              "crv": "P-256",
              "x": "Lo0KW41gcO_wTQopjLPmCStZY0NgmkSjEwhgvOywufc",
              "y": "UvYoCRjTaEFkWTjsUl9af6wMYiGtFQQGn1HJDdeQytw",
              "x5c": [
                "MIICFjCCAb2gAwIBAgIUIpGOwzXiIDulAIokwnhsje8yRNQwCgYIKoZIzj0EAwIwWTELMAkGA1UEBhMCVVMxDzANBgNVBAoMBlNQSUZGRTE5MDcGA1UEBRMwMTk3MzUxNzMwNjMzMDg0NTQwMzQ2NzM3NzYzNDM0NjM0NzM5MDk3MjM1NzY4NTMyMB4XDTI1MDEwMTAwMDAwMFoXDTI1MDEwMjAwMDAwMFowWTELMAkGA1UEBhMCVVMxDzANBgNVBAoMBlNQSUZGRTE5MDcGA1UEBRMwMTk3MzUxNzMwNjMzMDg0NTQwMzQ2NzM3NzYzNDM0NjM0NzM5MDk3MjM1NzY4NTMyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELo0KW41gcO/wTQopjLPmCStZY0NgmkSjEwhgvOywufdS9igJGNNoQWRZOOxSX1p/rAxiIa0VBAafUckN15DK3KNjMGEwDgYDVR0PAQH/BAQDAgEGMA8GA1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFA7LUMnxTfzCTavWjFYpPyyDsC5vMB8GA1UdEQQYMBaGFHNwaWZmZTovL2V4YW1wbGUub3JnMAoGCCqGSM49BAMCA0cAMEQCIFkw+wiyHPVJ/zyUYsmgTyt2EhSWw5/t6EkRJdHtWjTOAiB5R+rGunmf5SMp5bapNwKIGyY+XWo1rMAGHEy/rGExFQ=="
              ]
            },
            {
              "use": "jwt-svid",
              "kty": "EC",
              "kid": "Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi",
              "crv": "P-256",
              "x": "L29fIMAc6G_IqhVvFm_t0gMZDjiIf3d7k4uQouRa-cQ",
              "y": "LxZhfFJBgdQWCr5W1VsUQ0f7bYI5upXX5vDve6bfOfo"
            }
          ]
        }
        """#

    @Test("parses the example: one CA whose x5c key matches its x/y, one JWT key, sequence 1, hint 300 s")
    func parse() throws {
        let bundle = try SPIFFEBundle(trustDomain: JWTTestKeys.exampleOrg, json: Array(Self.document.utf8))
        #expect(bundle.trustDomain == JWTTestKeys.exampleOrg)
        #expect(bundle.sequenceNumber == 1)
        #expect(bundle.refreshHint == .seconds(300))

        let ca = try #require(bundle.x509Authorities.first)
        #expect(bundle.x509Authorities.count == 1)
        let caJWK = JWK(publicKey: ca.publicKey)
        #expect(caJWK.kty == "EC" && caJWK.crv == "P-256")
        #expect(caJWK.x == "Lo0KW41gcO_wTQopjLPmCStZY0NgmkSjEwhgvOywufc")
        #expect(caJWK.y == "UvYoCRjTaEFkWTjsUl9af6wMYiGtFQQGn1HJDdeQytw")
        let san = try #require(try ca.extensions.subjectAlternativeNames)
        #expect(Array(san) == [.uniformResourceIdentifier("spiffe://example.org")])
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))

        #expect(bundle.jwtAuthorities.count == 1)
        let jwtKey = try #require(bundle.jwtAuthorities["Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi"])
        let jwtJWK = JWK(publicKey: jwtKey)
        #expect(jwtJWK.x == "L29fIMAc6G_IqhVvFm_t0gMZDjiIf3d7k4uQouRa-cQ")
        #expect(jwtJWK.y == "LxZhfFJBgdQWCr5W1VsUQ0f7bYI5upXX5vDve6bfOfo")
    }

    @Test("producing the parsed example gives back the same keys and members")
    func reproduce() throws {
        let bundle = try SPIFFEBundle(trustDomain: JWTTestKeys.exampleOrg, json: Array(Self.document.utf8))
        let produced = JWTTestKeys.object(bundle.jsonRepresentation)
        let original = JWTTestKeys.object(Array(Self.document.utf8))
        #expect(produced == original)
        #expect(try SPIFFEBundle(trustDomain: JWTTestKeys.exampleOrg, json: bundle.jsonRepresentation) == bundle)
    }

    @Test("the JWT part of the example parses as a Workload API JWKS, skipping the x509-svid key")
    func parseAsJWKS() throws {
        let bundle = try JWTBundle(trustDomain: JWTTestKeys.exampleOrg, jwksJSON: Array(Self.document.utf8))
        #expect(Array(bundle.jwtAuthorities.keys) == ["Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi"])
    }
}
