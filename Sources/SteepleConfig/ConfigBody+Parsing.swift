extension ConfigBody {
    /// Parses a configuration file's text.
    /// - Parameters:
    ///   - text: The file's content.
    ///   - format: The syntax; `nil` detects it with ``ConfigFormat/detect(_:)``.
    /// - Throws: ``ConfigError/Code/syntax`` for malformed text, ``ConfigError/Code/duplicateKey`` for an attribute
    ///   set twice in one body.
    package init(parsing text: String, format: ConfigFormat? = nil) throws(ConfigError) {
        try self.init(parsing: Array(text.utf8), format: format)
    }

    /// Parses a configuration file's bytes, which must be UTF-8.
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - format: The syntax; `nil` detects it with ``ConfigFormat/detect(_:)``.
    /// - Throws: ``ConfigError/Code/syntax`` for malformed text or invalid UTF-8, ``ConfigError/Code/duplicateKey``
    ///   for an attribute set twice in one body.
    package init(parsing bytes: [UInt8], format: ConfigFormat? = nil) throws(ConfigError) {
        let source = try ConfigSource(bytes)
        switch format ?? ConfigFormat.detect(bytes) {
        case .hcl:
            var parser = try ConfigParser(source)
            self = try parser.parseFile()
        case .json:
            var parser = JSONConfigParser(source)
            self = try parser.parseFile()
        }
    }
}
