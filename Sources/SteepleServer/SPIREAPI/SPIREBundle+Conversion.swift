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
    /// A bundle from SPIRE's API form (``SPIFFEBundle/init(spireBundle:)``), refused as an invalid request when a
    /// certificate, key or trust domain is wrong.
    init(spire proto: Spire_Api_Types_Bundle) throws(APIRefusal) {
        do {
            try self.init(spireBundle: proto)
        } catch {
            throw APIRefusal(.invalidRequest, error.message)
        }
    }

    /// ``SPIFFEBundle/apply(spireBundle:mask:)``, refused as an invalid request when a part is wrong.
    mutating func apply(_ proto: Spire_Api_Types_Bundle, mask: Spire_Api_Types_BundleMask?) throws(APIRefusal) {
        do {
            try apply(spireBundle: proto, mask: mask)
        } catch {
            throw APIRefusal(.invalidRequest, error.message)
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
