public import ArgumentParser

extension NameSpecification {
    /// A flag spelled as SPIRE spells it, single dash (`-spiffeID`), plus the double-dash form (`--spiffeID`).
    ///
    /// Go's `flag` package, which SPIRE's CLI uses, treats both forms alike, so operators' scripts may use either.
    public static func spire(_ name: String) -> NameSpecification {
        [.customLong(name, withSingleDash: true), .customLong(name)]
    }
}
