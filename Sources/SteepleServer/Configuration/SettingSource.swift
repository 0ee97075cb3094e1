package import SteepleConfig

/// Where a setting of a ``ServerConfiguration`` came from, so an error can point at it.
package enum SettingSource: Sendable, Hashable {
    /// The value written at this position of the configuration file.
    case file(ConfigPosition)
    /// A command-line flag such as `-serverPort`, which overrides the file.
    case flag(String)
}

/// A key Steeple accepts for SPIRE compatibility but does not act on, or a plugin disabled with `enabled = false`.
/// `steeple-server run` logs each one as a warning; `steeple-server validate` prints them.
package struct IgnoredSetting: Sendable, Hashable {
    /// The dotted path of the key, such as `server.admin_ids` or `plugins.KeyManager "aws_kms"`.
    package var key: String
    /// Where the key is in the file.
    package var position: ConfigPosition?
    /// Why it has no effect, lowercase, such as `not supported yet`.
    package var reason: String

    /// Creates an ignored-setting record.
    /// - Parameters:
    ///   - key: The dotted path of the key.
    ///   - position: Where the key is in the file.
    ///   - reason: Why it has no effect.
    package init(key: String, position: ConfigPosition?, reason: String) {
        self.key = key
        self.position = position
        self.reason = reason
    }

    /// The 1-based line of the key, when it is known.
    package var line: Int? { position?.line }
    /// The 1-based column of the key, when it is known.
    package var column: Int? { position?.column }
}
