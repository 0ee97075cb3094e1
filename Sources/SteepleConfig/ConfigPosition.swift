/// A place in a configuration file: 1-based line and column.
///
/// Columns count Unicode scalars, so a tab or a multi-byte character each advance the column by one.
package struct ConfigPosition: Sendable {
    /// The 1-based line number.
    package let line: Int
    /// The 1-based column number, in Unicode scalars.
    package let column: Int

    /// Creates a position.
    /// - Parameters:
    ///   - line: The 1-based line number.
    ///   - column: The 1-based column number.
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of a file: line 1, column 1.
    package static let start = ConfigPosition(line: 1, column: 1)
}

extension ConfigPosition: Hashable {}

extension ConfigPosition: Comparable {
    /// Orders positions by line, then by column.
    package static func < (lhs: ConfigPosition, rhs: ConfigPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

extension ConfigPosition: CustomStringConvertible {
    /// `line L, column C`, the form used in every ``ConfigError`` message.
    package var description: String { "line \(line), column \(column)" }
}
