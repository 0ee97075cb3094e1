// swift-tools-version:6.1
import PackageDescription

// Builds only the two protoc plugins used by dev/generate-protos.sh.
// Not part of the Steeple package; the Dummy target exists because a
// package needs at least one target of its own.
let package = Package(
    name: "steeple-proto-tools",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: [
        .executableTarget(name: "Dummy", path: "Sources/Dummy")
    ]
)
