/// A token of HCL's native syntax.
struct ConfigToken {
    /// The kinds of tokens.
    enum Kind: Equatable {
        /// A bare word: a key, a block type, `true` or `false`.
        case identifier(String)
        /// A quoted string, escapes resolved.
        case string(String)
        /// A heredoc `<<EOF … EOF`, its text.
        case heredoc(String)
        /// A number literal as written.
        case number(String)
        /// One of `=`, `{`, `}`, `[`, `]`, `,`.
        case punctuation(UInt8)
        /// The end of the input.
        case end
    }

    /// The kind and content.
    let kind: Kind
    /// Where the token starts.
    let position: ConfigPosition

    /// Whether the token is the punctuation character `character`.
    func `is`(_ character: Unicode.Scalar) -> Bool {
        kind == .punctuation(UInt8(ascii: character))
    }

    /// The text of an identifier or string, which may be a block label; `nil` for other tokens.
    var labelText: String? {
        switch kind {
        case .identifier(let text), .string(let text): text
        default: nil
        }
    }

    /// The token as named in error messages: `"bind_port"`, `string "x"`, `"{"`, `end of file`.
    var summary: String {
        switch kind {
        case .identifier(let name): "\"\(name)\""
        case .string(let text): "string \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .heredoc: "a heredoc"
        case .number(let literal): "\"\(literal)\""
        case .punctuation(let byte): "\"\(Character(Unicode.Scalar(byte)))\""
        case .end: "end of file"
        }
    }
}
