import Foundation
import SPIFFE
import SPIFFETestSupport
import Testing

/// README.md's Swift examples are compiled code: each block names the file it is taken from, and its lines are found
/// there verbatim, in order. The core-library example lives here, so it also runs.
@Suite("README examples")
struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the core-library example runs")
    func coreLibraryExample() async throws {
        let ca = TestCA(trustDomain: try TrustDomain("example.org"))
        let issued = ca.makeSVID(try SPIFFEID("spiffe://example.org/ns/web"))
        let (chain, key, presented) = (issued.chainDER, issued.privateKeyDER, issued.certificates)
        let bundleSet = X509BundleSet([ca.bundle])

        // README: "Using the core library"
        let id = try SPIFFEID("spiffe://example.org/ns/web")          // strict: never normalises
        let svid = try X509SVID(chainDER: chain, privateKeyDER: key)   // every X509-SVID rule enforced
        let peer = try await X509SVIDVerifier.verify(chain: presented, bundles: bundleSet, at: .now)
        try SPIFFEIDMatcher.memberOf(id.trustDomain).authorize(peer.id)

        #expect(svid.id == id)
        #expect(peer.id == id)
    }

    @Test("every Swift block of README.md is taken verbatim from a source file of the package or its examples")
    func readmeBlocksAreCompiled() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = ReadmeSwiftBlock.all(in: readme)
        #expect(blocks.count >= 3, "README.md should show the core library, mTLS and JWT examples")
        for block in blocks {
            let source = try #require(block.source, "README.md line \(block.line): a ```swift block must follow a <!-- compiled from: PATH --> line naming the file it is taken from")
            // Everything under these folders is built by scripts/test (the package, and Examples/ packages it builds).
            #expect(source.hasSuffix(".swift") && ["Sources/", "Tests/", "Examples/"].contains { source.hasPrefix($0) },
                    "README.md line \(block.line): \(source) is not a Swift file that scripts/test compiles")
            let file = ReadmeSwiftBlock.significantLines(
                of: try String(contentsOf: Self.root.appendingPathComponent(source), encoding: .utf8))
            let snippet = ReadmeSwiftBlock.significantLines(of: block.code)
            // A snippet may open with the imports it needs; the file must have them too.
            let imports = snippet.prefix { $0.hasPrefix("import ") }
            let missing = imports.filter { !file.contains($0) }
            #expect(missing.isEmpty, "README.md line \(block.line): \(source) lacks \(missing)")
            let code = Array(snippet.dropFirst(imports.count))
            #expect(!code.isEmpty, "README.md line \(block.line): the block shows no code")
            let verbatim = !code.isEmpty && file.containsRun(code)
            #expect(verbatim, "README.md line \(block.line): the block is not a verbatim run of lines of \(source); copy it from there again")
        }
    }
}

/// A ```swift block of a Markdown file and the source file its `<!-- compiled from: PATH -->` marker names.
struct ReadmeSwiftBlock {
    let line: Int
    let source: String?
    let code: String

    static func all(in markdown: String) -> [ReadmeSwiftBlock] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [ReadmeSwiftBlock] = []
        var index = 0
        while index < lines.count {
            let fence = lines[index].trimmingCharacters(in: .whitespaces).lowercased()
            guard fence == "```swift" || fence == "~~~swift" else {
                index += 1
                continue
            }
            let marker = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
            let prefix = "<!-- compiled from: "
            let source = marker.hasPrefix(prefix) && marker.hasSuffix(" -->")
                ? String(marker.dropFirst(prefix.count).dropLast(4)) : nil
            let start = index + 1
            var end = start
            while end < lines.count, !["```", "~~~"].contains(lines[end].trimmingCharacters(in: .whitespaces)) { end += 1 }
            blocks.append(ReadmeSwiftBlock(line: index + 1, source: source, code: lines[start..<end].joined(separator: "\n")))
            index = end + 1
        }
        return blocks
    }

    /// The non-blank lines, without indentation (a snippet may be dedented from its file).
    static func significantLines(of text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension Array where Element == String {
    /// Whether `run` occurs in this array as consecutive elements.
    func containsRun(_ run: [String]) -> Bool {
        guard !run.isEmpty, run.count <= count else { return run.isEmpty }
        return (0...(count - run.count)).contains { Array(self[$0..<($0 + run.count)]) == run }
    }
}
