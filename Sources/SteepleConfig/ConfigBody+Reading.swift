/// Typed access to attributes. Each reader returns `nil` when the key is absent; use ``ConfigBody/requiredValue(_:)``
/// or the `?? default` idiom for the rest:
///
///     let server = try root.requiredBlock("server")
///     let trustDomain = try server.requiredValue("trust_domain").asString()
///     let port = try server.int("bind_port") ?? 8081
///     let caTTL = try server.duration("ca_ttl") ?? .seconds(24 * 3600)
extension ConfigBody {
    /// The value of an attribute.
    /// - Parameter key: The attribute key.
    /// - Returns: The value, or `nil` when the body has no such key.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when `key` names a block, not an attribute.
    package func value(_ key: String) throws(ConfigError) -> ConfigValue? {
        for entry in entries where entry.key == key {
            switch entry {
            case .attribute(let attribute):
                return attribute.value
            case .block(let block):
                throw ConfigError(
                    code: .typeMismatch, at: block.position,
                    "expected a value for \"\(key)\", found a block \"\(key) { … }\"")
            }
        }
        return nil
    }

    /// The value of an attribute that must be present.
    /// - Parameter key: The attribute key.
    /// - Returns: The value.
    /// - Throws: ``ConfigError/Code/missingKey`` when absent; ``ConfigError/Code/typeMismatch`` when `key` names a
    ///   block.
    package func requiredValue(_ key: String) throws(ConfigError) -> ConfigValue {
        guard let value = try value(key) else {
            throw ConfigError(
                code: .missingKey, at: position, "missing required key \"\(key)\" in the body opened here")
        }
        return value
    }

    /// A string attribute; see ``ConfigValue/asString()``.
    /// - Throws: ``ConfigError/Code/typeMismatch``.
    package func string(_ key: String) throws(ConfigError) -> String? {
        try value(key)?.asString(for: key)
    }

    /// An integer attribute, given as a number or a string such as `"8081"`; see ``ConfigValue/asInt()``.
    /// - Throws: ``ConfigError/Code/typeMismatch`` or ``ConfigError/Code/invalidValue``.
    package func int(_ key: String) throws(ConfigError) -> Int? {
        try value(key)?.asInt(for: key)
    }

    /// A floating-point attribute; see ``ConfigValue/asDouble()``.
    /// - Throws: ``ConfigError/Code/typeMismatch`` or ``ConfigError/Code/invalidValue``.
    package func double(_ key: String) throws(ConfigError) -> Double? {
        try value(key)?.asDouble(for: key)
    }

    /// A bool attribute; see ``ConfigValue/asBool()``.
    /// - Throws: ``ConfigError/Code/typeMismatch`` or ``ConfigError/Code/invalidValue``.
    package func bool(_ key: String) throws(ConfigError) -> Bool? {
        try value(key)?.asBool(for: key)
    }

    /// A Go duration attribute such as `ca_ttl = "24h"`; see ``GoDuration``.
    /// - Throws: ``ConfigError/Code/typeMismatch`` or ``ConfigError/Code/invalidDuration``.
    package func duration(_ key: String) throws(ConfigError) -> Duration? {
        try value(key)?.asDuration(for: key)
    }

    /// A list-of-strings attribute such as `admin_ids = ["spiffe://…"]`; see ``ConfigValue/asStringList()``.
    /// - Throws: ``ConfigError/Code/typeMismatch``.
    package func stringList(_ key: String) throws(ConfigError) -> [String]? {
        try value(key)?.asStringList(for: key)
    }

    /// The body of the one block of a type, such as `server { … }`.
    ///
    /// An object attribute `server = { … }` or a JSON `"server": {…}` reads the same. A labelled block
    /// `server "x" { … }` reads as `server { x { … } }`.
    /// - Parameter type: The block type.
    /// - Returns: The body, or `nil` when the body has no such block.
    /// - Throws: ``ConfigError/Code/duplicateKey`` when the block appears more than once;
    ///   ``ConfigError/Code/typeMismatch`` when `type` names an attribute that is not an object.
    package func block(_ type: String) throws(ConfigError) -> ConfigBody? {
        let found = try blocks(type, labels: 0)
        if found.count > 1 {
            throw ConfigError(
                code: .duplicateKey,
                at: found[1].position,
                "block \"\(type)\" appears more than once: first at \(found[0].position), "
                    + "again at \(found[1].position); keep one"
            )
        }
        return found.first?.body
    }

    /// The body of the one block of a type that must be present; see ``block(_:)``.
    /// - Throws: ``ConfigError/Code/missingKey`` when absent, and the errors of ``block(_:)``.
    package func requiredBlock(_ type: String) throws(ConfigError) -> ConfigBody {
        guard let body = try block(type) else {
            throw ConfigError(
                code: .missingKey, at: position, "missing required block \"\(type) { … }\" in the body opened here")
        }
        return body
    }
}
