#!/usr/bin/env bash
# Runs steps of one of SPIRE's integration suites (test/integration/suites/<suite>, pinned in suites/) unchanged,
# against Steeple's binaries instead of SPIRE's, without Docker:
#
#   run-suite-steps.sh <steeple-server> <steeple-agent> <suite-dir> <step>...
#
# What SPIRE's runner provides is provided here, and nothing else: `docker compose exec [-u UID] -T <service> CMD...`
# runs CMD on this machine (as UID through setpriv), `ash` is bash, `fail-now`/`log-*` are its helpers. In the steps'
# text, /opt/spire/bin/spire-server and spire-agent become wrappers of our binaries that talk to a server started
# here from the suite's own conf/server/server.conf (its data_dir, bind_port and socket moved into a temporary
# directory), and /opt/spire/conf/ becomes the suite's conf/. Prints `PASS <step>` or `FAIL <step>` for each step
# and exits non-zero if any failed.
set -uo pipefail

server_bin=$1 agent_bin=$2 suite=$3
shift 3

run=$(mktemp -d /tmp/steeple-spire-suite-XXXXXX)
cleanup() {
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT

cp -R "$suite/conf" "$run/conf"
mkdir -p "$run/bin" "$run/data"
socket="$run/api.sock"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The suite's server.conf, with what Docker would have isolated moved into $run.
sed -e "s#/opt/spire/data/server#$run/data#g" \
    -e "s#bind_port = \"8081\"#bind_port = \"$port\"\n\tsocket_path = \"$socket\"#" \
    "$suite/conf/server/server.conf" > "$run/conf/server/server.conf"

cat > "$run/bin/spire-server" <<EOF
#!/usr/bin/env bash
case "\${1:-}" in
    run|validate|-h|-help|--help|--version) exec "$server_bin" "\$@" ;;
    *) exec "$server_bin" "\$@" -socketPath "$socket" ;;
esac
EOF
cat > "$run/bin/spire-agent" <<EOF
#!/usr/bin/env bash
exec "$agent_bin" "\$@"
EOF
chmod +x "$run/bin/spire-server" "$run/bin/spire-agent"

"$server_bin" run -config "$run/conf/server/server.conf" > "$run/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    "$run/bin/spire-server" healthcheck > /dev/null 2>&1 && break
    sleep 0.1
done

prelude=$(cat <<'EOF'
docker() {
    # docker compose exec [-u UID] -T <service> CMD...
    shift 2
    local user=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -u) user=$2; shift 2 ;;
            -T) shift ;;
            *) break ;;
        esac
    done
    shift  # the service
    if [ -n "$user" ]; then
        setpriv --reuid="$user" --regid="$user" --clear-groups "$@"
    else
        "$@"
    fi
}
ash() { bash "$@"; }
fail-now() { echo "fail-now: $*" >&2; exit 1; }
log-info() { echo "info: $*"; }
log-debug() { echo "debug: $*"; }
log-warn() { echo "warn: $*"; }
export -f docker ash fail-now log-info log-debug log-warn
EOF
)

failed=0
for step in "$@"; do
    script=$(sed -e "s#/opt/spire/bin/spire-server#$run/bin/spire-server#g" \
                 -e "s#/opt/spire/bin/spire-agent#$run/bin/spire-agent#g" \
                 -e "s#/opt/spire/conf/#$run/conf/#g" "$suite/$step")
    if (cd "$run" && bash -c "$prelude
$script") > "$run/$step.out" 2>&1; then
        echo "PASS $step"
    else
        echo "FAIL $step"
        sed 's/^/    /' "$run/$step.out" | tail -20
        failed=1
    fi
done
[ $failed -eq 0 ] || { echo "--- server log (last lines)"; tail -20 "$run/server.log"; }
exit $failed
