import Foundation

/// A PostgreSQL connection string as SPIRE's `connection_string` takes it (libpq's two forms): keyword/value
/// (`dbname=spire user=spire host=db port=5432 sslmode=disable`) or a URL
/// (`postgresql://spire:secret@db:5432/spire?sslmode=require`). A `host` that starts with `/` is the directory of
/// the server's Unix socket (`<host>/.s.PGSQL.<port>`), as in libpq.
package struct PostgresConnectionString: Sendable, Equatable {
    /// libpq's `sslmode`.
    package enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    package var host = "localhost"
    package var port = 5432
    package var user = "postgres"
    package var password: String?
    package var database: String?
    /// libpq's default is `prefer`.
    package var sslMode = SSLMode.prefer
    package var sslRootCert: String?
    package var sslCert: String?
    package var sslKey: String?
    /// How long one connection attempt may take (`connect_timeout`, seconds), 10 s when not given.
    package var connectTimeout = 10

    /// The socket path when ``host`` names a directory.
    package var unixSocketPath: String? {
        host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil
    }

    /// The keywords this parser takes; any other is refused (a typo must not go unnoticed).
    package static let keywords = [
        "host", "hostaddr", "port", "user", "password", "dbname", "sslmode", "sslrootcert", "sslcert", "sslkey",
        "connect_timeout", "application_name",
    ]

    /// Parses either form.
    ///
    /// - Throws: ``PostgresConnectionStringError`` naming the bad part and what would be right.
    package init(_ string: String) throws(PostgresConnectionStringError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw PostgresConnectionStringError("is empty: expected \"dbname=… user=… host=… port=…\" or postgresql://user@host:port/dbname")
        }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            try self.init(url: trimmed)
        } else {
            try self.init(keywordValue: trimmed)
        }
    }

    private init(keywordValue string: String) throws(PostgresConnectionStringError) {
        var pairs: [(String, String)] = []
        var index = string.startIndex
        func skipSpaces() {
            while index < string.endIndex, string[index] == " " || string[index] == "\t" { index = string.index(after: index) }
        }
        skipSpaces()
        while index < string.endIndex {
            var key = ""
            while index < string.endIndex, string[index] != "=", string[index] != " " {
                key.append(string[index])
                index = string.index(after: index)
            }
            skipSpaces()
            guard index < string.endIndex, string[index] == "=" else {
                throw PostgresConnectionStringError("\"\(key)\" has no value: expected keyword=value pairs separated by spaces")
            }
            index = string.index(after: index)
            skipSpaces()
            var value = ""
            if index < string.endIndex, string[index] == "'" {
                index = string.index(after: index)
                var closed = false
                while index < string.endIndex {
                    let character = string[index]
                    index = string.index(after: index)
                    if character == "\\", index < string.endIndex {
                        value.append(string[index])
                        index = string.index(after: index)
                    } else if character == "'" {
                        closed = true
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { throw PostgresConnectionStringError("the quoted value of \"\(key)\" is not closed with '") }
            } else {
                while index < string.endIndex, string[index] != " " {
                    if string[index] == "\\" { index = string.index(after: index); guard index < string.endIndex else { break } }
                    value.append(string[index])
                    index = string.index(after: index)
                }
            }
            pairs.append((key, value))
            skipSpaces()
        }
        for (key, value) in pairs { try set(key, value) }
    }

    private init(url string: String) throws(PostgresConnectionStringError) {
        guard let components = URLComponents(string: string) else {
            throw PostgresConnectionStringError("is not a valid URL: expected postgresql://user:password@host:port/dbname?sslmode=…")
        }
        if let host = components.percentEncodedHost, !host.isEmpty { self.host = host.removingPercentEncoding ?? host }
        if let port = components.port { self.port = port }
        if let user = components.user, !user.isEmpty { self.user = user }
        if let password = components.password { self.password = password }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty { database = path }
        for item in components.queryItems ?? [] {
            try set(item.name, item.value ?? "")
        }
    }

    private mutating func set(_ key: String, _ value: String) throws(PostgresConnectionStringError) {
        switch key {
        case "host", "hostaddr": host = value
        case "port":
            guard let port = Int(value), (1...65535).contains(port) else {
                throw PostgresConnectionStringError("port \"\(value)\" is not a port number (1 to 65535)")
            }
            self.port = port
        case "user": user = value
        case "password": password = value
        case "dbname": database = value
        case "sslmode":
            guard let mode = SSLMode(rawValue: value) else {
                throw PostgresConnectionStringError(
                    "sslmode \"\(value)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sslMode = mode
        case "sslrootcert": sslRootCert = value
        case "sslcert": sslCert = value
        case "sslkey": sslKey = value
        case "connect_timeout":
            guard let seconds = Int(value), seconds >= 0 else {
                throw PostgresConnectionStringError("connect_timeout \"\(value)\" is not a number of seconds")
            }
            connectTimeout = seconds == 0 ? 10 : seconds
        case "application_name": break
        default:
            throw PostgresConnectionStringError(
                "has an unknown keyword \"\(key)\": expected one of \(Self.keywords.joined(separator: ", "))")
        }
    }

    /// The string with its password replaced, for logs and messages.
    package var redacted: String {
        var parts = ["host=\(host)", "port=\(port)", "user=\(user)"]
        if let database { parts.append("dbname=\(database)") }
        if password != nil { parts.append("password=REDACTED") }
        parts.append("sslmode=\(sslMode.rawValue)")
        return parts.joined(separator: " ")
    }
}

/// A connection string that does not parse: the message names the part and what would be right.
package struct PostgresConnectionStringError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String

    init(_ message: String) {
        self.message = "PostgreSQL connection string " + message
    }

    package var description: String { message }
}
