package import SPIFFE
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a SPIRE API message could not be read; `message` names the field at fault and what would be right.
package struct SPIREConversionError: Error, Sendable, CustomStringConvertible {
    package let message: String
    package var description: String { message }

    package init(_ message: String) {
        self.message = message
    }

    /// `value` for a message, in quotes: whole when short, else its first 64 characters and `…`.
    static func quoted(_ value: String) -> String {
        guard value.count > 64 else { return "\"\(value)\"" }
        return "\"\(value.prefix(64))…\""
    }
}

extension SPIFFEBundle {
    /// SPIRE's API form of the bundle: DER certificates, PKIX (DER) JWT keys by key ID, refresh hint in seconds.
    package var spireProto: Spire_Api_Types_Bundle {
        var proto = Spire_Api_Types_Bundle()
        proto.trustDomain = trustDomain.name
        proto.x509Authorities = x509Authorities.map { certificate in
            var authority = Spire_Api_Types_X509Certificate()
            authority.asn1 = Data(certificate.spiffeDERBytes)
            return authority
        }
        proto.jwtAuthorities = jwtAuthorities.sorted { $0.key < $1.key }.map { keyID, key in
            var authority = Spire_Api_Types_JWTKey()
            authority.keyID = keyID
            // The PKIX SubjectPublicKeyInfo; serializing a parsed key does not fail.
            authority.publicKey = Data((try? key.serializeAsPEM().derBytes) ?? [])
            return authority
        }
        proto.refreshHint = refreshHint.map { $0.components.seconds } ?? 0
        proto.sequenceNumber = sequenceNumber ?? 0
        return proto
    }

    /// A bundle from SPIRE's API form. Every certificate and key is parsed; a message names the one that is wrong.
    package init(spireBundle proto: Spire_Api_Types_Bundle) throws(SPIREConversionError) {
        let trustDomain: TrustDomain
        do {
            trustDomain = try TrustDomain(proto.trustDomain)
        } catch {
            throw SPIREConversionError("invalid trust domain \(SPIREConversionError.quoted(proto.trustDomain)): \(error.message)")
        }
        self.init(trustDomain: trustDomain, x509Authorities: [], jwtAuthorities: [:])
        try apply(spireBundle: proto, mask: nil)
    }

    /// Replaces the parts of the bundle `mask` names (all of them when `mask` is `nil`) with those of `proto`.
    package mutating func apply(spireBundle proto: Spire_Api_Types_Bundle, mask: Spire_Api_Types_BundleMask?) throws(SPIREConversionError) {
        if mask?.x509Authorities ?? true {
            var certificates: [Certificate] = []
            for (index, authority) in proto.x509Authorities.enumerated() {
                do {
                    certificates.append(try Certificate(derEncoded: Array(authority.asn1)))
                } catch {
                    throw SPIREConversionError("x509_authorities[\(index)] is not a DER certificate: \(error)")
                }
            }
            x509Authorities = certificates
        }
        if mask?.jwtAuthorities ?? true {
            var keys: [String: Certificate.PublicKey] = [:]
            for (index, authority) in proto.jwtAuthorities.enumerated() {
                guard !authority.keyID.isEmpty else {
                    throw SPIREConversionError("jwt_authorities[\(index)] has no key_id: every JWT authority needs one")
                }
                guard keys[authority.keyID] == nil else {
                    throw SPIREConversionError("jwt_authorities[\(index)] repeats key_id \(SPIREConversionError.quoted(authority.keyID)): key IDs must be unique")
                }
                do {
                    keys[authority.keyID] = try Certificate.PublicKey(derEncoded: Array(authority.publicKey))
                } catch {
                    throw SPIREConversionError("jwt_authorities[\(index)] (key_id \(SPIREConversionError.quoted(authority.keyID))) is not a PKIX public key: \(error)")
                }
            }
            jwtAuthorities = keys
        }
        if mask?.refreshHint ?? true {
            guard proto.refreshHint >= 0 else { throw SPIREConversionError("refresh_hint \(proto.refreshHint) is negative: give seconds, or 0 for none") }
            refreshHint = proto.refreshHint > 0 ? .seconds(proto.refreshHint) : nil
        }
        if mask?.sequenceNumber ?? true {
            sequenceNumber = proto.sequenceNumber
        }
    }
}
