#!/usr/bin/env bash
# Ours: py-spiffe's own CI, with Steeple in SPIRE's place. py-spiffe's CI (.github/workflows/build.yaml) sets
# SPIFFE_ENDPOINT_SOCKET=unix:/tmp/spire-agent/public/api.sock, runs .github/workflows/scripts/run-spire.sh (which
# downloads SPIRE 1.9.2's release tarball, starts its server and agent from the tarball's conf/ and the script's own
# agent.conf, and registers three entries with 1.9's CLI flags) and then its integration tests. Here run-spire.sh,
# agent.conf and the tests (integration/) are py-spiffe's files, unchanged (NOTICE.md); the only substitution is the
# download: `curl` is a stand-in that answers with a tarball of the same layout whose bin/ holds Steeple's binaries and
# whose conf/ is SPIRE's (../../SPIREMaterial/quickstart/conf).
#
#   run.sh <steeple-server> <steeple-agent> <python with spiffe and pytest>
#
# Exits non-zero unless every test passes; a skipped test counts as a failure (the hint tests skip when the script's
# entries are missing).
set -uo pipefail
server_bin=$1 agent_bin=$2 python=$3
here=$(cd "$(dirname "$0")" && pwd)

# The script uses SPIRE's default socket paths, as spiffe.io's quickstart and SPIRE's agent-cli suite do.
exec 9> /tmp/steeple-spire-default-paths.lock
flock -w 900 9 || { echo "FAIL: /tmp/steeple-spire-default-paths.lock held for 15 minutes"; exit 1; }

work=$(mktemp -d /tmp/steeple-pyspiffe-ci-XXXXXX)
marker="STEEPLE_PYSPIFFE_CI=$work"
cleanup() {
    # The script leaves the server and agent running (py-spiffe's CI has a cleanup script); they carry the marker.
    local proc left i
    for i in $(seq 1 50); do
        left=0
        for proc in /proc/[0-9]*; do
            [ "${proc#/proc/}" = "$$" ] && continue
            if grep -qxz "$marker" "$proc/environ" 2>/dev/null; then
                kill "${proc#/proc/}" 2>/dev/null
                left=1
            fi
        done
        [ $left -eq 0 ] && break
        sleep 0.1
    done
    rm -rf "$work" /tmp/spire-server/server.log /tmp/spire-agent/agent.log
}
trap cleanup EXIT
export STEEPLE_PYSPIFFE_CI=$work

# The release tarball's layout, with Steeple's binaries.
mkdir -p "$work/release/spire-1.9.2/bin" "$work/stand-ins" "$work/cwd"
cp -R "$here/../../SPIREMaterial/quickstart/conf" "$work/release/spire-1.9.2/conf"
cp "$server_bin" "$work/release/spire-1.9.2/bin/spire-server"
cp "$agent_bin" "$work/release/spire-1.9.2/bin/spire-agent"
tar czf "$work/spire.tar.gz" -C "$work/release" spire-1.9.2
cat > "$work/stand-ins/curl" <<CURL
#!/bin/sh
# Stand-in for the release download: the last argument is the tarball's URL.
for url; do :; done
case "\$url" in
    https://github.com/spiffe/spire/releases/download/v1.9.2/spire-1.9.2-linux-amd64-musl.tar.gz) exec cat "$work/spire.tar.gz" ;;
    *) echo "curl stand-in: unexpected URL \$url" >&2; exit 1 ;;
esac
CURL
chmod +x "$work/stand-ins/curl"

export SPIFFE_ENDPOINT_SOCKET=unix:/tmp/spire-agent/public/api.sock
echo "== run-spire.sh"
if ! (cd "$work/cwd" && PATH="$work/stand-ins:$PATH" bash "$here/run-spire.sh"); then
    echo "FAIL run-spire.sh"
    tail -20 /tmp/spire-server/server.log /tmp/spire-agent/agent.log 2>/dev/null
    exit 1
fi
echo "PASS run-spire.sh"

echo "== py-spiffe integration tests"
out=$(cd "$work" && "$python" -m pytest -p no:cacheprovider -rs -v "$here/integration" 2>&1)
status=$?
echo "$out"
if [ $status -ne 0 ] || echo "$out" | grep -q -i "skipped"; then
    echo "FAIL py-spiffe integration tests"
    tail -20 /tmp/spire-agent/agent.log 2>/dev/null
    exit 1
fi
echo "PASS py-spiffe integration tests"
