import SPIFFE
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Steeple_Server_V1_Bundle {
    /// A bundle as Steeple's agent API sends it to agents (the pushed sync): its SPIFFE bundle document.
    init(_ bundle: SPIFFEBundle) {
        self.init()
        trustDomain = bundle.trustDomain.name
        spiffeBundleJson = Data(bundle.jsonRepresentation)
        sequenceNumber = bundle.sequenceNumber ?? 0
    }
}
