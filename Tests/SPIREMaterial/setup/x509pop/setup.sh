#!/bin/bash
# Ours: a stand-in, with openssl, for SPIRE's test/integration/setup/x509pop/setup.sh (which runs gencerts.go and
# needs Go): `setup.sh [-trust-domain TD] [-x509pop-san NAME]... SERVERDIR AGENTDIR [AGENTDIR...]` writes
# SERVERDIR/agent-cacert.pem (an EC P-256 "Agent CA", valid for a day) and, for each AGENTDIR, agent.key.pem (PKCS#8)
# and agent.crt.pem (CN = the directory's name, digitalSignature, a URI SAN x509pop://TD/NAME per -x509pop-san), as
# gencerts.go does.
set -e
trust_domain=""
sans=()
while [ $# -gt 0 ]; do
    case "$1" in
        -trust-domain) trust_domain=$2; shift 2 ;;
        -x509pop-san) sans+=("$2"); shift 2 ;;
        *) break ;;
    esac
done
server=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.ec" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$work/ca.ec" -out "$work/ca.key"
openssl req -x509 -new -key "$work/ca.key" -subj "/CN=Agent CA" -days 1 -set_serial 1 \
    -addext "basicConstraints=critical,CA:TRUE" -out "$server/agent-cacert.pem" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\n' > "$work/ext"
if [ ${#sans[@]} -gt 0 ]; then
    uris=""
    for san in "${sans[@]}"; do uris="${uris:+$uris,}URI:x509pop://$trust_domain/$san"; done
    printf 'subjectAltName=%s\n' "$uris" >> "$work/ext"
fi
serial=0
for dir in "$@"; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/agent.ec" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$work/agent.ec" -out "$dir/agent.key.pem"
    openssl req -new -key "$dir/agent.key.pem" -subj "/CN=$(basename "$dir")" -out "$work/agent.csr" 2>/dev/null
    openssl x509 -req -in "$work/agent.csr" -CA "$server/agent-cacert.pem" -CAkey "$work/ca.key" \
        -set_serial $serial -days 1 -extfile "$work/ext" -out "$dir/agent.crt.pem" 2>/dev/null
    serial=$((serial + 1))
done
