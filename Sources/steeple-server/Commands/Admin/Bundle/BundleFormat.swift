import ArgumentParser

/// The `-format` of the bundle commands: PEM certificates (SPIRE's default) or the SPIFFE bundle document.
enum BundleFormat: String, CaseIterable, ExpressibleByArgument {
    /// The X.509 authorities as PEM `CERTIFICATE` blocks.
    case pem
    /// The SPIFFE bundle document (JSON, SPIFFE Trust Domain and Bundle §4).
    case spiffe

    /// Accepts any letter case, as SPIRE's `validateFormat` does.
    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
