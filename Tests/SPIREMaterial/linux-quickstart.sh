#!/usr/bin/env bash
# Ours: runs the commands of spiffe.io's "Quickstart for Linux and MacOS X" (SPIRE's getting-started guide) verbatim,
# in a copy of the layout of SPIRE's release tarball whose bin/spire-server and bin/spire-agent are Steeple's binaries
# and whose conf/ is SPIRE's own (quickstart/conf, pinned from SPIRE; see NOTICE.md):
#
#   linux-quickstart.sh <steeple-server> <steeple-agent>
#
# The guide's commands are the lines after "# guide:". Between them the script only waits as a reader would (for the
# server and agent to be up, for the entry to reach the agent) and checks what the guide says each prints. The
# default socket paths (/tmp/spire-server/private/api.sock, /tmp/spire-agent/public/api.sock) are shared with SPIRE's
# agent-cli suite, so both take the same lock. Prints PASS or FAIL <step> and exits non-zero on failure.
set -uo pipefail
server_bin=$1 agent_bin=$2
here=$(cd "$(dirname "$0")" && pwd)

exec 9> /tmp/steeple-spire-default-paths.lock
flock -w 900 9 || { echo "FAIL: /tmp/steeple-spire-default-paths.lock held for 15 minutes"; exit 1; }

dir=$(mktemp -d /tmp/steeple-quickstart-XXXXXX)
cleanup() {
    kill ${agent_pid:-} ${server_pid:-} 2>/dev/null
    wait 2>/dev/null
    rm -rf "$dir" /tmp/svid.0.pem /tmp/svid.0.key /tmp/bundle.0.pem
}
trap cleanup EXIT
mkdir -p "$dir/bin"
cp -R "$here/quickstart/conf" "$dir/conf"
ln -s "$server_bin" "$dir/bin/spire-server"
ln -s "$agent_bin" "$dir/bin/spire-agent"
cd "$dir"
rm -f /tmp/svid.0.pem

fail() { echo "FAIL $1"; sed 's/^/    /' "$dir"/*.log 2>/dev/null | tail -30; exit 1; }
until_ok() { local i; for i in $(seq 1 50); do "$@" > /dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

# guide: bin/spire-server run -config conf/server/server.conf &
bin/spire-server run -config conf/server/server.conf > server.log 2>&1 &
server_pid=$!
until_ok bin/spire-server healthcheck || fail "spire-server run"
kill -0 "$server_pid" 2>/dev/null || fail "spire-server run: the server exited"
# guide: bin/spire-server healthcheck
out=$(bin/spire-server healthcheck) && [ "$out" = "Server is healthy." ] || fail "spire-server healthcheck: $out"
echo "PASS spire-server healthcheck"

# guide: bin/spire-server token generate -spiffeID spiffe://example.org/myagent
out=$(bin/spire-server token generate -spiffeID spiffe://example.org/myagent) || fail "token generate"
token=$(echo "$out" | sed -n 's/^Token: //p')
[ -n "$token" ] || fail "token generate printed no 'Token: ': $out"
echo "PASS token generate"

# guide: bin/spire-agent run -config conf/agent/agent.conf -joinToken <token_string> &
bin/spire-agent run -config conf/agent/agent.conf -joinToken "$token" > agent.log 2>&1 &
agent_pid=$!
until_ok bin/spire-agent healthcheck || fail "spire-agent run"
kill -0 "$agent_pid" 2>/dev/null || fail "spire-agent run: the agent exited"
# guide: bin/spire-agent healthcheck
out=$(bin/spire-agent healthcheck) && [ "$out" = "Agent is healthy." ] || fail "spire-agent healthcheck: $out"
echo "PASS spire-agent healthcheck"

# guide: bin/spire-server entry create -parentID spiffe://example.org/myagent -spiffeID spiffe://example.org/myservice -selector unix:uid:$(id -u)
out=$(bin/spire-server entry create -parentID spiffe://example.org/myagent \
    -spiffeID spiffe://example.org/myservice -selector unix:uid:$(id -u)) || fail "entry create: $out"
echo "$out" | grep -q "^Entry ID" || fail "entry create printed no entry: $out"
echo "PASS entry create"

# guide: bin/spire-agent api fetch x509 -write /tmp/
until_ok bin/spire-agent api fetch x509 -write /tmp/ || fail "api fetch x509 -write /tmp/"
out=$(bin/spire-agent api fetch x509 -write /tmp/) || fail "api fetch x509"
echo "$out" | grep -q "SPIFFE ID:.*spiffe://example.org/myservice" || fail "api fetch x509 printed: $out"
echo "PASS api fetch x509 -write /tmp/"

# guide: openssl x509 -in /tmp/svid.0.pem -text -noout
out=$(openssl x509 -in /tmp/svid.0.pem -text -noout) || fail "openssl x509"
echo "$out" | grep -q "URI:spiffe://example.org/myservice" || fail "openssl x509: no URI SAN spiffe://example.org/myservice in $out"
# Beyond the guide: the SVID (its chain in the same file) verifies against the written bundle and against SPIRE's
# dummy root, the upstream CA of SPIRE's server.conf.
for root in /tmp/bundle.0.pem conf/agent/dummy_root_ca.crt; do
    out=$(openssl verify -CAfile "$root" -untrusted /tmp/svid.0.pem /tmp/svid.0.pem 2>&1) || fail "the SVID does not verify against $root: $out"
done
echo "PASS openssl x509 -in /tmp/svid.0.pem -text -noout"
