public import ArgumentParser

import Foundation

/// Refuses unknown flags, subcommands and extra arguments before ArgumentParser parses a command line.
///
/// ArgumentParser reads an unknown single-dash word as a bundle of short flags: `-disableX509SVIDPrefetch` holds an
/// `h`, so it became `-h` among others, printed the help on stdout and exited 0 having done nothing (`entry create …
/// -disableX509SVIDPrefetch` created no entry and reported success). Go's `flag` package, which SPIRE's CLI uses,
/// refuses any flag it does not define; so do we, with Go's words. The command tree comes from ArgumentParser's own
/// description of the command (`_dumpHelp()`), so a flag added to a command is known here without a second list.
public enum UnknownArgumentGuard {
    /// What is wrong with `line` (the arguments without the program name) for the command described by `tree`, or nil.
    public static func violation(_ line: [String], tree: CommandTree) -> String? {
        var command = tree
        var path = [tree.commandName]
        var index = 0
        while index < line.count, let sub = command.subcommands?.first(where: { $0.commandName == line[index] }) {
            command = sub
            path.append(sub.commandName)
            index += 1
        }
        let usage = "run '\(path.joined(separator: " ")) -h' for its usage"
        let definitions = command.arguments ?? []
        let positionals = definitions.filter { $0.kind == "positional" }
        let unlimited = positionals.contains { $0.isRepeating == true }
        var positionalsSeen = 0
        while index < line.count {
            let argument = line[index]
            index += 1
            if argument == "--" { break }
            guard argument.count > 1, argument.hasPrefix("-"), !Self.isNumber(argument) else {
                positionalsSeen += 1
                if positionalsSeen > positionals.count && !unlimited {
                    if let subcommands = command.subcommands?.map(\.commandName).filter({ $0 != "help" }), !subcommands.isEmpty {
                        return "unknown command \"\(argument)\" for \"\(path.joined(separator: " "))\": use one of \(subcommands.joined(separator: ", "))"
                    }
                    return "unexpected argument \"\(argument)\" for \"\(path.joined(separator: " "))\": it takes no arguments besides its flags; \(usage)"
                }
                continue
            }
            let doubleDash = argument.hasPrefix("--")
            let body = argument.dropFirst(doubleDash ? 2 : 1)
            let name = String(body.prefix { $0 != "=" })
            let hasInlineValue = body.contains("=")
            // ArgumentParser answers these itself, though its description of a command does not list them.
            if argument == "-help" || name == "experimental-dump-help" || name == "generate-completion-script" { return nil }
            guard let definition = definitions.first(where: { $0.isNamed(name, doubleDash: doubleDash) }) else {
                return "flag provided but not defined: \(argument.prefix { $0 != "=" }) (\(path.joined(separator: " "))); \(usage)"
            }
            guard definition.kind == "option", !hasInlineValue else { continue }
            switch definition.parsingStrategy {
            case "upToNextOption":
                while index < line.count, !line[index].hasPrefix("-") { index += 1 }
            case "allRemainingInput", "unconditional":
                return nil
            default:
                index += 1
            }
        }
        return nil
    }

    /// Prints the violation as ArgumentParser prints errors (on standard error) and exits with status 1, if there is one.
    public static func exitIfViolated<Command: ParsableCommand>(_ arguments: [String], for command: Command.Type) {
        guard let tree = CommandTree(command), let message = violation(arguments, tree: tree) else { return }
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        exit(1)
    }

    private static func isNumber(_ text: String) -> Bool {
        Double(text) != nil
    }
}

/// A command, its subcommands and its arguments, as ArgumentParser describes them (`ToolInfoV0`'s `command`; only the
/// fields the guard reads).
public struct CommandTree: Decodable, Sendable {
    public let commandName: String
    public let subcommands: [CommandTree]?
    public let arguments: [Argument]?

    public struct Argument: Decodable, Sendable {
        /// `positional`, `option` (takes a value) or `flag`.
        public let kind: String
        public let names: [Name]?
        public let isRepeating: Bool?
        public let parsingStrategy: String?

        /// Whether `name`, written after one dash or two, is this argument. One dash matches a single-dash long name
        /// (`-spiffeID`) or a one-letter short name (`-h`); two dashes a long name (`--help`).
        func isNamed(_ name: String, doubleDash: Bool) -> Bool {
            (names ?? []).contains { candidate in
                guard candidate.name == name else { return false }
                switch candidate.kind {
                case "long": return doubleDash
                case "longWithSingleDash", "short": return !doubleDash
                default: return false
                }
            }
        }
    }

    public struct Name: Decodable, Sendable {
        /// `long`, `short` or `longWithSingleDash`.
        public let kind: String
        public let name: String
    }

    private struct ToolInfo: Decodable {
        let command: CommandTree
    }

    /// The tree of `command`, from ArgumentParser's JSON description of it.
    public init?<Command: ParsableCommand>(_ command: Command.Type) {
        guard let tree = try? JSONDecoder().decode(ToolInfo.self, from: Data(command._dumpHelp().utf8)).command else { return nil }
        self = tree
    }

    public init(commandName: String, subcommands: [CommandTree]? = nil, arguments: [Argument]? = nil) {
        self.commandName = commandName
        self.subcommands = subcommands
        self.arguments = arguments
    }
}
