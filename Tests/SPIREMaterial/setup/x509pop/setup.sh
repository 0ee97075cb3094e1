#!/bin/bash
# Ours: a stand-in, with openssl, for SPIRE's test/integration/setup/x509pop/setup.sh (which runs gencerts.go and
# needs Go): `setup.sh SERVERDIR AGENTDIR [AGENTDIR...]` writes SERVERDIR/agent-cacert.pem (an EC P-256 "Agent CA",
# valid for an hour) and, for each AGENTDIR, agent.key.pem (PKCS#8) and agent.crt.pem (CN = the directory's name,
# digitalSignature), as gencerts.go does. (-trust-domain / -x509pop-san are not supported: no pinned suite uses them.)
set -e
server=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.ec" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$work/ca.ec" -out "$work/ca.key"
openssl req -x509 -new -key "$work/ca.key" -subj "/CN=Agent CA" -days 1 -set_serial 1 \
    -addext "basicConstraints=critical,CA:TRUE" -out "$server/agent-cacert.pem" 2>/dev/null
serial=0
for dir in "$@"; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/agent.ec" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$work/agent.ec" -out "$dir/agent.key.pem"
    openssl req -new -key "$dir/agent.key.pem" -subj "/CN=$(basename "$dir")" -out "$work/agent.csr" 2>/dev/null
    printf 'keyUsage=critical,digitalSignature\n' > "$work/ext"
    openssl x509 -req -in "$work/agent.csr" -CA "$server/agent-cacert.pem" -CAkey "$work/ca.key" \
        -set_serial $serial -days 1 -extfile "$work/ext" -out "$dir/agent.crt.pem" 2>/dev/null
    serial=$((serial + 1))
done
