import ArgumentParser

/// `steeple-server entry`: manages registration entries, as `spire-server entry`.
struct EntryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Manages registration entries",
        subcommands: [
            EntryCreate.self,
            EntryUpdate.self,
            EntryDelete.self,
            EntryShow.self,
            EntryCount.self,
        ]
    )
}
