// swift-tools-version:6.1
// A Hummingbird HTTP service that authenticates its callers by JWT-SVID.
//
// Its own package, so that Hummingbird is built only by those who build this example (scripts/test does), not by
// every user of Steeple's libraries. It depends on the Steeple checkout two levels up.
import PackageDescription

let package = Package(
    name: "hummingbird-jwt-example",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "steeple", path: "../.."),
        // No default traits: this example needs neither swift-configuration nor full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "example-jwt-service",
            dependencies: [
                .product(name: "SPIFFE", package: "steeple"),
                .product(name: "SPIFFEWorkloadAPI", package: "steeple"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
