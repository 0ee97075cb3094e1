import SPIFFE
import SPIREAPIProto
import SteepleDatastore
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SPIFFEBundle {
    /// SPIRE's API form of the bundle: DER certificates, PKIX (DER) JWT keys by key ID, refresh hint in seconds.
    var spireProto: Spire_Api_Types_Bundle {
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
    init(spire proto: Spire_Api_Types_Bundle) throws(APIRefusal) {
        let trustDomain: TrustDomain
        do {
            trustDomain = try TrustDomain(proto.trustDomain)
        } catch {
            throw APIRefusal(.invalidRequest, "invalid trust domain \(EntryValidator.quoted(proto.trustDomain)): \(error.message)")
        }
        self.init(trustDomain: trustDomain, x509Authorities: [], jwtAuthorities: [:])
        try apply(proto, mask: nil)
    }

    /// Replaces the parts of the bundle `mask` names (all of them when `mask` is `nil`) with those of `proto`.
    mutating func apply(_ proto: Spire_Api_Types_Bundle, mask: Spire_Api_Types_BundleMask?) throws(APIRefusal) {
        if mask?.x509Authorities ?? true {
            var certificates: [Certificate] = []
            for (index, authority) in proto.x509Authorities.enumerated() {
                do {
                    certificates.append(try Certificate(derEncoded: Array(authority.asn1)))
                } catch {
                    throw APIRefusal(.invalidRequest, "x509_authorities[\(index)] is not a DER certificate: \(error)")
                }
            }
            x509Authorities = certificates
        }
        if mask?.jwtAuthorities ?? true {
            var keys: [String: Certificate.PublicKey] = [:]
            for (index, authority) in proto.jwtAuthorities.enumerated() {
                guard !authority.keyID.isEmpty else {
                    throw APIRefusal(.invalidRequest, "jwt_authorities[\(index)] has no key_id: every JWT authority needs one")
                }
                guard keys[authority.keyID] == nil else {
                    throw APIRefusal(.invalidRequest, "jwt_authorities[\(index)] repeats key_id \(EntryValidator.quoted(authority.keyID)): key IDs must be unique")
                }
                do {
                    keys[authority.keyID] = try Certificate.PublicKey(derEncoded: Array(authority.publicKey))
                } catch {
                    throw APIRefusal(.invalidRequest, "jwt_authorities[\(index)] (key_id \(EntryValidator.quoted(authority.keyID))) is not a PKIX public key: \(error)")
                }
            }
            jwtAuthorities = keys
        }
        if mask?.refreshHint ?? true {
            guard proto.refreshHint >= 0 else { throw APIRefusal(.invalidRequest, "refresh_hint \(proto.refreshHint) is negative: give seconds, or 0 for none") }
            refreshHint = proto.refreshHint > 0 ? .seconds(proto.refreshHint) : nil
        }
        if mask?.sequenceNumber ?? true {
            sequenceNumber = proto.sequenceNumber
        }
    }

    /// The stored form.
    var record: BundleRecord {
        BundleRecord(trustDomain: trustDomain, document: jsonRepresentation, sequenceNumber: sequenceNumber ?? 0)
    }
}

extension Spire_Api_Types_Bundle {
    /// The bundle with only the fields `mask` names (and the trust domain); a `nil` mask keeps every field.
    func masked(_ mask: Spire_Api_Types_BundleMask?) -> Spire_Api_Types_Bundle {
        guard let mask else { return self }
        var bundle = Spire_Api_Types_Bundle()
        bundle.trustDomain = trustDomain
        if mask.x509Authorities { bundle.x509Authorities = x509Authorities }
        if mask.jwtAuthorities { bundle.jwtAuthorities = jwtAuthorities }
        if mask.refreshHint { bundle.refreshHint = refreshHint }
        if mask.sequenceNumber { bundle.sequenceNumber = sequenceNumber }
        return bundle
    }
}
