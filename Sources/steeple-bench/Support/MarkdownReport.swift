import Foundation
import Synchronization

/// The Markdown sections of one run, in the order the groups ran, after a table of issue #6's targets as this run met
/// them; `--markdown FILE` writes them.
final class MarkdownReport: Sendable {
    private let sections = Mutex<[String]>([])
    private let targets = Mutex<[[String]]>([])

    /// Records a target: its goal, this run's figure, whether it was met and, if not, what stands in the way.
    func target(_ name: String, goal: String, figure: String, met: Bool, obstacle: String) {
        targets.withLock { $0.append([name, goal, figure, met ? "met" : "**missed**: " + obstacle]) }
        print("target \(name): \(figure) (goal \(goal)): \(met ? "met" : "MISSED")")
    }

    func add(_ title: String, intro: String = "", header: [String], rows: [[String]]) {
        var text = "## \(title)\n\n"
        if !intro.isEmpty { text += intro + "\n\n" }
        text += "| " + header.joined(separator: " | ") + " |\n"
        text += "|" + header.enumerated().map { $0.offset == 0 ? "---" : "---:" }.joined(separator: "|") + "|\n"
        for row in rows { text += "| " + row.joined(separator: " | ") + " |\n" }
        sections.withLock { $0.append(text) }
    }

    func addRaw(_ text: String) { sections.withLock { $0.append(text) } }

    var text: String {
        var text = ""
        let targets = targets.withLock { $0 }
        if !targets.isEmpty {
            text += "## Targets\n\nThe targets the issues set for this machine (#6 first, then later ones), judged by the figures of this run (from the tables below).\n\n"
            text += "| target | goal | this run | |\n|---|---|---|---|\n"
            for row in targets { text += "| " + row.joined(separator: " | ") + " |\n" }
            text += "\n"
        }
        return text + sections.withLock { $0.joined(separator: "\n") }
    }
}

/// Prints a table to standard output with padded columns.
func printTable(_ title: String, header: [String], rows: [[String]]) {
    let widths = header.indices.map { column in ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset] + 2, withPad: " ", startingAt: 0) }.joined()
    }
    print("")
    print(title)
    print(line(header))
    for row in rows { print(line(row)) }
}
