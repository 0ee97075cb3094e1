// Placeholder: this package only exists to build protoc-gen-swift and
// protoc-gen-grpc-swift-2 from its dependencies.
