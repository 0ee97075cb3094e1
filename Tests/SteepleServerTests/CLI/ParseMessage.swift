import ArgumentParser

@testable import steeple_server

/// Test helper: the message a command prints when parsing `arguments` fails, or `nil` when parsing succeeds.
protocol MessageParsing: ParsableCommand {}

extension MessageParsing {
    static func parseMessage(_ arguments: [String]) -> String? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return message(for: error)
        }
    }
}

extension AgentShow: MessageParsing {}
extension AgentEvict: MessageParsing {}
extension AgentBan: MessageParsing {}
extension BundleSet: MessageParsing {}
extension BundleDelete: MessageParsing {}
extension X509Mint: MessageParsing {}
extension JWTMint: MessageParsing {}
extension EntryCreate: MessageParsing {}
extension EntryUpdate: MessageParsing {}
extension EntryDelete: MessageParsing {}
