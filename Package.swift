// swift-tools-version:6.1
import PackageDescription

// Layering (imports only ever point down; see docs/architecture.md):
//   layer 1  SPIFFE (core types, no I/O)   SPIFFEWorkloadAPIProto, SteepleServerAPIProto, EnvoySDSProto, SPIREAPIProto (generated)
//   layer 2  SPIFFEWorkloadAPI (the Workload API client library: client, X509Source, JWTSource)
//            SPIFFENIOSSL (mTLS with X509-SVIDs for swift-nio-ssl; any X509SVIDSource, so no gRPC)
//   layer 2  SPIFFECA (issuance, keys, rotation)   SteepleDatastore (models + one protocol per aggregate)
//            SPIFFETestSupport (tests only)   layer 3  SPIFFEWorkloadAPITestSupport (the fake Workload API; tests only)
//   layer 3  SteepleDatastoreSQLite (GRDB)   SteepleDatastorePostgres (postgres-nio)
//   layer 3  SteepleTelemetry (SPIRE's metrics through swift-metrics: Prometheus exporter, StatsD, RPC interceptor)
//   layer 1  SteepleConfig (HCL/JSON configuration format)   SteepleLogging (text and JSON log handlers)
//            SteepleSupport (atomic file writes, hex encoding: shared by SPIFFECA, SteepleServer and SteepleAgent)
//            SteepleHTTP (one HTTP request over TCP, TLS or a Unix socket; Go's SSL_CERT_FILE/SSL_CERT_DIR rules)
//   layer 2  SteepleKubernetes (API server and kubelet calls, kubeconfig, pod/container from cgroups)
//   layer 2  GRPCUnixServer (our gRPC server transports: Unix socket with peer credentials; TCP+TLS, client cert optional)
//   layer 4  SteepleServer (server process logic)   SteepleAgent (agent process logic; does not import SPIFFECA)
//   layer 5  steeple-server, steeple-agent, steeple-bench, steeple-fuzz (executables)
let package = Package(
    name: "steeple",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SPIFFE", targets: ["SPIFFE"]),
        .library(name: "SPIFFEWorkloadAPI", targets: ["SPIFFEWorkloadAPI"]),
        .library(name: "SPIFFENIOSSL", targets: ["SPIFFENIOSSL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "SPIFFE",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "SPIFFEWorkloadAPIProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "SPIFFEWorkloadAPI",
            dependencies: [
                "SPIFFE",
                "SPIFFEWorkloadAPIProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SPIFFEWorkloadAPITests",
            dependencies: [
                "SPIFFE",
                "SPIFFEWorkloadAPI",
                "SPIFFEWorkloadAPIProto",
                "SPIFFEWorkloadAPITestSupport",
                "SPIFFETestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Takes any `X509SVIDSource & X509BundleSource` (from SPIFFE), so it does not depend on SPIFFEWorkloadAPI: an mTLS
        // user with a static SVID never builds the gRPC stack. Targets that feed it an `X509Source` declare both.
        .target(
            name: "SPIFFENIOSSL",
            dependencies: [
                "SPIFFE",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SPIFFENIOSSLTests",
            dependencies: [
                "SPIFFE",
                "SPIFFENIOSSL",
                "SPIFFEWorkloadAPI",
                "SPIFFEWorkloadAPITestSupport",
                "SPIFFETestSupport",
                "SteepleTestSupport",
                "example-mtls-echo-server",
                "example-mtls-echo-client",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Examples (Examples/MTLSEcho): an mTLS echo server and client that take their identities from the Workload API.
        .executableTarget(
            name: "example-mtls-echo-server",
            dependencies: [
                "SPIFFE",
                "SPIFFENIOSSL",
                "SPIFFEWorkloadAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/MTLSEcho/Server"
        ),
        .executableTarget(
            name: "example-mtls-echo-client",
            dependencies: [
                "SPIFFE",
                "SPIFFENIOSSL",
                "SPIFFEWorkloadAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Examples/MTLSEcho/Client"
        ),
        .target(
            name: "SPIFFECA",
            dependencies: [
                "SPIFFE",
                "SteepleSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "SteepleServerAPIProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Envoy's SDS v3 service and the xDS messages it carries (a subset of Envoy's protos, Envoy's wire names).
        .target(
            name: "EnvoySDSProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // SPIRE's public API (spire-api-sdk's package and field numbers): the agent's admin APIs, the server's API and
        // their types, with the conversion of SPIFFE IDs to and from them.
        .target(
            name: "SPIREAPIProto",
            dependencies: [
                "SPIFFE",
                "SteepleLogging",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The fake Workload API of the tests (go-spiffe's fakeworkloadapi): a `SpiffeWorkloadAPI` service on a Unix
        // socket with the stock transport. Its own target so that SPIFFETestSupport's users (core and CA tests) do not
        // link gRPC.
        .target(
            name: "SPIFFEWorkloadAPITestSupport",
            dependencies: [
                "SPIFFE",
                "SPIFFEWorkloadAPI",
                "SPIFFEWorkloadAPIProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .target(
            name: "SPIFFETestSupport",
            dependencies: [
                "SPIFFE",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "SteepleDatastore",
            dependencies: ["SPIFFE", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SteepleDatastoreSQLite",
            dependencies: [
                "SPIFFE",
                "SteepleDatastore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "SteepleDatastorePostgres",
            dependencies: [
                "SPIFFE",
                "SteepleDatastore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The child process of the kill -9 durability test: writes entries and acknowledges each one on stdout.
        .executableTarget(
            name: "steeple-datastore-crashtest",
            dependencies: ["SPIFFE", "SteepleDatastore", "SteepleDatastoreSQLite"]
        ),
        .testTarget(
            name: "SteepleDatastoreTests",
            dependencies: [
                "SPIFFE",
                "SteepleDatastore",
                "SteepleDatastoreSQLite",
                "SteepleDatastorePostgres",
                "steeple-datastore-crashtest",
                "SteepleTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Metrics as SPIRE names them (telemetry { Prometheus / Statsd / DogStatsd }), through swift-metrics; the
        // Prometheus exporter, the StatsD sinks and the RPC metrics interceptor.
        .target(
            name: "SteepleTelemetry",
            dependencies: [
                "SteepleConfig",
                "SPIREAPIProto",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SteepleTelemetryTests",
            dependencies: [
                "SteepleTelemetry",
                "SteepleConfig",
                "SteepleHTTP",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "SteepleServer",
            dependencies: [
                "SteepleServerClient",
                "SPIFFEWorkloadAPI",
                "SteepleTelemetry",
                "SteepleKubernetes",
                "GRPCUnixServer",
                "SteepleX509PoP",
                "SteepleHTTP",
                "SPIFFE",
                "SPIFFECA",
                "SteepleConfig",
                "SteepleLogging",
                "SteepleDatastore",
                "SteepleDatastoreSQLite",
                "SteepleDatastorePostgres",
                "SteepleServerAPIProto",
                "SPIREAPIProto",
                "SteepleSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
            ]
        ),
        .executableTarget(
            name: "steeple-server",
            dependencies: [
                "SteepleSupport",
                "SteepleTelemetry",
                "SPIFFE",
                "SPIREAPIProto",
                "SteepleConfig",
                "SteepleLogging",
                "SteepleServer",
                "SteepleServerAPIProto",
                "SteepleCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "steeple-bench",
            dependencies: [
                "SteepleSupport",
                "SteepleServerClient",
                "EnvoySDSProto",
                "SPIREAPIProto",
                "SPIFFE",
                "SPIFFETestSupport",
                "GRPCUnixServer",
                "SPIFFECA",
                "SPIFFEWorkloadAPIProto",
                "SteepleAgent",
                "SteepleDatastore",
                "SteepleDatastorePostgres",
                "SteepleDatastoreSQLite",
                "SteepleServer",
                "SteepleServerAPIProto",
                "SteepleTestSupport",
                "SteepleKubernetes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "SteepleAgent",
            dependencies: [
                "SteepleServerClient",
                "SteepleTelemetry",
                "SteepleKubernetes",
                "SPIFFE",
                "SteepleX509PoP",
                "EnvoySDSProto",
                "SPIREAPIProto",
                "SteepleConfig",
                "SteepleLogging",
                "SteepleServerAPIProto",
                "SteepleSupport",
                "SteepleHTTP",
                "SPIFFEWorkloadAPI",
                "SPIFFEWorkloadAPIProto",
                "GRPCUnixServer",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(
            name: "steeple-agent",
            dependencies: [
                "SteepleTelemetry",
                "SPIFFE",
                "SPIFFEWorkloadAPI",
                "SteepleAgent",
                "SteepleConfig",
                "SteepleLogging",
                "SteepleCLI",
                "SPIREAPIProto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "SteepleConfig"),
        // What both executables' command lines share beyond ArgumentParser: refusing unknown flags as Go's flag does.
        .target(
            name: "SteepleCLI",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "SteepleCLITests",
            dependencies: ["SteepleCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // File I/O (atomic, fsynced writes) and hex encoding shared by the CA, the server and the agent, so that the
        // agent needs nothing from SPIFFECA.
        .target(name: "SteepleSupport"),
        // SPIRE's x509pop node attestation messages and proof of possession, both halves (agent and server).
        .target(
            name: "SteepleX509PoP",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // One HTTP GET over TCP, TLS or a Unix socket (the agent's trust_bundle_url), and Go's system trust store rules.
        .target(
            name: "SteepleHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "SteepleSupportTests", dependencies: ["SteepleSupport"]),
        // The TLS gRPC client of a server's TCP port: agents and downstream servers present an SVID and check that the
        // server is spiffe://<td>/spire/server chained to the bundle.
        .target(
            name: "SteepleServerClient",
            dependencies: [
                "SPIFFE",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // What Steeple reads from Kubernetes: TokenReview, Pod and Node from the API server, the kubelet's pod list,
        // kubeconfig files and the in-cluster service account, and a process's pod and container from its cgroups.
        .target(
            name: "SteepleKubernetes",
            dependencies: [
                "SteepleHTTP",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "SteepleKubernetesTests", dependencies: ["SteepleKubernetes"]),
        // The log handlers of both executables: text (millisecond timestamps) and JSON (SPIRE's logrus lines).
        .target(
            name: "SteepleLogging",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SteepleLoggingTests",
            dependencies: ["SteepleLogging", .product(name: "Logging", package: "swift-log")]
        ),
        // Fuzz targets (docs/fuzzing.md): `replay-all` and `mutate-all` in a normal build; scripts/fuzz builds the same
        // target with `-sanitize=fuzzer -DSTEEPLE_FUZZ` into a libFuzzer binary.
        .executableTarget(
            name: "steeple-fuzz",
            dependencies: [
                "SPIFFE",
                "SPIFFECA",
                "SPIFFETestSupport",
                "SPIFFEWorkloadAPI",
                "SPIFFEWorkloadAPIProto",
                "SteepleAgent",
                "SteepleConfig",
                "SteepleDatastore",
                "SteepleServer",
                "SteepleServerAPIProto",
                "SPIREAPIProto",
                "SteepleSupport",
                "SteepleX509PoP",
                "GRPCUnixServer",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "GRPCUnixServer",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GRPCUnixServerTests",
            dependencies: [
                "GRPCUnixServer",
                "SteepleTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SPIFFETests",
            dependencies: [
                "SPIFFE",
                "SPIFFETestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SPIFFECATests",
            dependencies: [
                "SPIFFECA",
                "SPIFFE",
                "SPIFFETestSupport",
                "SteepleSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SPIFFEWorkloadAPIProtoTests",
            dependencies: [
                "SPIFFEWorkloadAPIProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(name: "SteepleConfigTests", dependencies: ["SteepleConfig", "SteepleTestSupport"]),
        // Real server and agent processes for end-to-end tests (Foundation's Process; tests only).
        .target(name: "SteepleTestSupport", dependencies: [
            "SteepleDatastorePostgres",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(
            name: "SteepleAgentTests",
            dependencies: [
                "SteepleServerClient",
                .product(name: "Yams", package: "Yams"),
                "SteepleKubernetes",
                "SteepleTelemetry",
                "SPIFFE",
                "SPIFFEWorkloadAPI",
                "EnvoySDSProto",
                "SPIREAPIProto",
                "SteepleAgent",
                "SteepleHTTP",
                "SteepleServerAPIProto",
                "SteepleTestSupport",
                "SPIFFETestSupport",
                "SPIFFEWorkloadAPIProto",
                "GRPCUnixServer",
                "steeple-agent",
                "example-mtls-echo-server",
                "example-mtls-echo-client",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "X509", package: "swift-certificates"),
                "steeple-server",
            ]
        ),
        .testTarget(
            name: "SteepleServerTests",
            dependencies: [
                "SteepleTelemetry",
                "SPIFFE",
                "SPIFFECA",
                "SPIFFETestSupport",
                "SteepleConfig",
                "SteepleDatastore",
                "SteepleDatastorePostgres",
                "SteepleLogging",
                "SteepleServer",
                "SteepleServerAPIProto",
                "SteepleSupport",
                "SteepleX509PoP",
                "steeple-server",
                "SteepleTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
            ]
        ),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
