import Foundation
import SPIFFE
import SPIREAPIProto

/// Turns the data given to `bundle set` into the federated bundle SPIRE's Bundle API stores.
enum BundleInput {
    /// The bundle of `trustDomain` from `data` in `format`.
    ///
    /// PEM certificates become a bundle of those X.509 authorities. A SPIFFE bundle document gives its X.509 and
    /// JWT authorities, refresh hint and `spiffe_sequence`.
    ///
    /// - Throws: ``CLIError`` `unable to parse bundle data: …` when the data is not valid in the format.
    static func bundle(
        trustDomain: TrustDomain,
        data: [UInt8],
        format: BundleFormat
    ) throws(CLIError) -> Spire_Api_Types_Bundle {
        switch format {
        case .pem:
            let x509Bundle: X509Bundle
            do {
                x509Bundle = try X509Bundle(trustDomain: trustDomain, pem: String(decoding: data, as: UTF8.self))
            } catch {
                throw CLIError("unable to parse bundle data: \(error.message)")
            }
            return SPIFFEBundle(trustDomain: trustDomain, x509Authorities: x509Bundle.x509Authorities).spireProto
        case .spiffe:
            do {
                return try SPIFFEBundle(trustDomain: trustDomain, json: data).spireProto
            } catch {
                throw CLIError("unable to parse to spiffe bundle: \(error.message)")
            }
        }
    }
}
