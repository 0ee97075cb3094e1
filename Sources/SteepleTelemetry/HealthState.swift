/// One answer of a ``HealthListener``: whether the process is live (or ready), and for each part checked `ok` or why
/// not. Rendered as one line of JSON, the flag first: `{"ready":false,"datastore":"ok","ca":"the active X.509 …"}`.
package struct HealthState: Sendable, Equatable {
    /// One part checked, such as `datastore`, and `ok` or why not.
    package struct Detail: Sendable, Equatable {
        package var name: String
        package var status: String

        package init(_ name: String, _ status: String) {
            self.name = name
            self.status = status
        }
    }

    package var healthy: Bool
    package var details: [Detail]

    package init(healthy: Bool, details: [Detail] = []) {
        self.healthy = healthy
        self.details = details
    }

    /// Healthy when every detail is `ok`.
    package init(details: [Detail]) {
        self.init(healthy: details.allSatisfy { $0.status == Self.ok }, details: details)
    }

    /// The status of a part that is fine.
    package static let ok = "ok"

    /// `{"<flag>":true|false,"<name>":"<status>",…}`, strings escaped as JSON requires.
    package func json(flag: String) -> String {
        var text = "{" + Self.quoted(flag) + ":" + (healthy ? "true" : "false")
        for detail in details {
            text += "," + Self.quoted(detail.name) + ":" + Self.quoted(detail.status)
        }
        return text + "}"
    }

    /// A JSON string literal of `text`: quote, backslash and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
