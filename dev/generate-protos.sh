#!/usr/bin/env bash
# Regenerates the Swift code for the SPIFFE Workload API from Protos/workload.proto.
#
#   dev/generate-protos.sh
#
# Installs protoc (Debian's protobuf-compiler) if it is missing, builds the two
# protoc plugins from dev/tools at pinned versions, and rewrites
# Sources/SPIFFEWorkloadAPIProto/Generated/. The output is committed; the build
# never runs this script (no SwiftPM build plugin). Re-running it on an
# unchanged proto gives byte-identical files.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/dev/tools"
proto_dir="$repo_root/Protos"
out_dir="$repo_root/Sources/SPIFFEWorkloadAPIProto/Generated"

if ! command -v protoc >/dev/null 2>&1; then
    echo "protoc not found; installing protobuf-compiler" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q protobuf-compiler
fi
echo "using $(protoc --version)" >&2

# Debug builds are plenty for code generators and build much faster.
echo "building protoc plugins in dev/tools" >&2
swift build --package-path "$tools_dir" --product protoc-gen-swift >&2
swift build --package-path "$tools_dir" --product protoc-gen-grpc-swift-2 >&2
bin_dir="$(swift build --package-path "$tools_dir" --show-bin-path)"

# Generate into a temporary folder first so that a failure leaves the committed
# files untouched.
tmp_dir="$(mktemp -d)"
trap 'rm -rf "$tmp_dir"' EXIT

# Visibility=Package: only Steeple's own modules use these types.
# UseAccessLevelOnImports=true: emits `package import ...`, which the package's
# InternalImportsByDefault setting requires for types used in package API.
protoc \
    --proto_path="$proto_dir" \
    --plugin=protoc-gen-swift="$bin_dir/protoc-gen-swift" \
    --swift_out="$tmp_dir" \
    --swift_opt=Visibility=Package,UseAccessLevelOnImports=true \
    workload.proto
protoc \
    --proto_path="$proto_dir" \
    --plugin=protoc-gen-grpc-swift-2="$bin_dir/protoc-gen-grpc-swift-2" \
    --grpc-swift-2_out="$tmp_dir" \
    --grpc-swift-2_opt=Visibility=Package,UseAccessLevelOnImports=true,Client=true,Server=true \
    workload.proto

mkdir -p "$out_dir"
rm -f "$out_dir/workload.pb.swift" "$out_dir/workload.grpc.swift"
cp "$tmp_dir/workload.pb.swift" "$tmp_dir/workload.grpc.swift" "$out_dir/"
echo "wrote $out_dir/workload.pb.swift and workload.grpc.swift" >&2
