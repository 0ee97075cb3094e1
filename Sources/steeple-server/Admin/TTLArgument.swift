import ArgumentParser

/// A lifetime flag of the mint commands. SPIRE takes a Go duration (`1h`, `90m`, `1h30m`, `45s`, `500ms`); bare
/// seconds (`3600`) are accepted too. Zero means the server's default.
struct TTLArgument: ExpressibleByArgument, Equatable {
    /// The lifetime in whole seconds, a fraction rounded up as SPIRE's `ttlToSeconds` does.
    var seconds: Int32

    init(seconds: Int32) {
        self.seconds = seconds
    }

    init?(argument: String) {
        guard let seconds = Self.parse(argument) else { return nil }
        self.seconds = seconds
    }

    var defaultValueDescription: String { "\(seconds)s" }

    /// Seconds of a Go duration or a bare number, or `nil` when the text is neither, negative or too long.
    static func parse(_ text: String) -> Int32? {
        if let whole = Int32(text) {
            return whole >= 0 ? whole : nil
        }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        let rounded = total.rounded(.up)
        guard rounded <= Double(Int32.max) else { return nil }
        return Int32(rounded)
    }
}
