#!/usr/bin/env bash
# Regenerates the Swift code of every proto under Protos/: the SPIFFE Workload API (Protos/workload.proto),
# Steeple's server APIs (Protos/steeple/server/v1) and the subset of Envoy's xDS definitions the agent's SDS serves
# (Protos/envoy, Protos/google/rpc), and SPIRE's public API (Protos/spire/api: the agent's admin APIs, the server's API and
# the types they use).
#
#   dev/generate-protos.sh
#
# Installs protoc (Debian's protobuf-compiler) if it is missing, builds the two
# protoc plugins from dev/tools at pinned versions, and rewrites
# Sources/SPIFFEWorkloadAPIProto/Generated/, Sources/SteepleServerAPIProto/Generated/ and
# Sources/EnvoySDSProto/Generated/ and Sources/SPIREAPIProto/Generated/. The output is committed; the build
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

# generate OUT_DIR PROTO... : compiles the protos (messages and grpc-swift-2 stubs) into OUT_DIR, replacing the
# generated files there. It generates into a temporary folder first, so that a failure leaves the committed files
# untouched.
generate() {
    local out_dir="$1"
    shift
    # FILE_NAMING=PathToUnderscores for modules whose protos share base names (SPIRE's logger.proto and
    # types/logger.proto).
    local naming="${FILE_NAMING:-DropPath}"
    local tmp_dir
    tmp_dir="$(mktemp -d)"
    # Visibility=Package: only Steeple's own modules use these types.
    # UseAccessLevelOnImports=true: emits `package import ...`, which the package's InternalImportsByDefault
    # setting requires for types used in package API. FileNaming=DropPath: flat file names.
    protoc \
        --proto_path="$proto_dir" \
        --plugin=protoc-gen-swift="$bin_dir/protoc-gen-swift" \
        --swift_out="$tmp_dir" \
        --swift_opt=Visibility=Package,UseAccessLevelOnImports=true,FileNaming="$naming" \
        "$@"
    protoc \
        --proto_path="$proto_dir" \
        --plugin=protoc-gen-grpc-swift-2="$bin_dir/protoc-gen-grpc-swift-2" \
        --grpc-swift-2_out="$tmp_dir" \
        --grpc-swift-2_opt=Visibility=Package,UseAccessLevelOnImports=true,Client=true,Server=true,FileNaming="$naming" \
        "$@"
    mkdir -p "$out_dir"
    rm -f "$out_dir"/*.pb.swift "$out_dir"/*.grpc.swift
    cp "$tmp_dir"/*.swift "$out_dir/"
    rm -rf "$tmp_dir"
    echo "wrote $(ls "$out_dir" | tr '\n' ' ')to $out_dir" >&2
}

# workload.proto sets `option swift_prefix = "WorkloadAPI_"` (see the comment there): it has no package, and its
# types would otherwise be named X509SVID, JWTSVID, … like the core SPIFFE module's. The prefix is Swift-only; the
# wire names (/SpiffeWorkloadAPI/<Method>, message names) do not change.
generate "$repo_root/Sources/SPIFFEWorkloadAPIProto/Generated" workload.proto
generate "$repo_root/Sources/SteepleServerAPIProto/Generated" \
    steeple/server/v1/types.proto steeple/server/v1/agent.proto steeple/server/v1/admin.proto \
    steeple/server/v1/explain.proto steeple/agent/v1/debug.proto
# Envoy's package names give Swift names such as Envoy_Service_Discovery_V3_DiscoveryRequest; the wire names are
# Envoy's own (/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets).
generate "$repo_root/Sources/EnvoySDSProto/Generated" \
    envoy/service/secret/v3/sds.proto envoy/service/discovery/v3/discovery.proto envoy/config/core/v3/base.proto \
    envoy/config/core/v3/extension.proto envoy/type/v3/semantic_version.proto \
    envoy/extensions/transport_sockets/tls/v3/secret.proto envoy/extensions/transport_sockets/tls/v3/common.proto \
    envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto google/rpc/status.proto
# SPIRE's packages give Swift names such as Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest; the
# wire names are SPIRE's (/spire.api.agent.delegatedidentity.v1.DelegatedIdentity/SubscribeToX509SVIDs).
FILE_NAMING=PathToUnderscores generate "$repo_root/Sources/SPIREAPIProto/Generated" \
    spire/api/types/spiffeid.proto spire/api/types/selector.proto spire/api/types/x509svid.proto \
    spire/api/types/jwtsvid.proto spire/api/types/logger.proto spire/api/agent/debug/v1/debug.proto \
    spire/api/agent/logger/v1/logger.proto spire/api/agent/delegatedidentity/v1/delegatedidentity.proto \
    spire/api/types/status.proto spire/api/types/federateswith.proto spire/api/types/jointoken.proto \
    spire/api/types/attestation.proto spire/api/types/entry.proto spire/api/types/bundle.proto \
    spire/api/types/agent.proto spire/api/server/entry/v1/entry.proto spire/api/server/agent/v1/agent.proto \
    spire/api/server/bundle/v1/bundle.proto spire/api/server/svid/v1/svid.proto \
    spire/api/server/debug/v1/debug.proto spire/api/server/logger/v1/logger.proto grpc/health/v1/health.proto \
    spire/api/types/federationrelationship.proto spire/api/server/trustdomain/v1/trustdomain.proto \
    spire/api/server/localauthority/v1/localauthority.proto

# The descriptors of SPIRE's server API, for SPIREJSON (steeple-server's `-output json` prints every field as SPIRE's
# protojson with EmitUnpopulated does, which needs each message's fields and their types; swift-protobuf's generated
# code only knows the fields that are set). Base64 in a Swift file, as the code is committed.
descriptor_tmp="$(mktemp)"
protoc --proto_path="$proto_dir" --include_imports --descriptor_set_out="$descriptor_tmp" \
    spire/api/server/entry/v1/entry.proto spire/api/server/agent/v1/agent.proto \
    spire/api/server/bundle/v1/bundle.proto spire/api/server/svid/v1/svid.proto \
    spire/api/server/debug/v1/debug.proto spire/api/server/logger/v1/logger.proto \
    spire/api/server/trustdomain/v1/trustdomain.proto spire/api/server/localauthority/v1/localauthority.proto
{
    echo "// DO NOT EDIT. Written by dev/generate-protos.sh: the FileDescriptorSet of SPIRE's server API protos."
    echo
    echo "package let spireServerAPIDescriptorSetBase64 = \"\"\""
    base64 -w 100 "$descriptor_tmp"
    echo "\"\"\""
} > "$repo_root/Sources/SPIREAPIProto/Generated/SPIREServerAPIDescriptorSet.swift"
rm -f "$descriptor_tmp"
echo "wrote Sources/SPIREAPIProto/Generated/SPIREServerAPIDescriptorSet.swift" >&2
