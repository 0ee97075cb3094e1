/// The version both executables print for `--version` (and `-version`, as SPIRE's do).
public enum SteepleVersion {
    public static let current = "0.1.0"
}
