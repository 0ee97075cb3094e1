#!/usr/bin/env bash
# Runs steps of one of SPIRE's integration suites (test/integration/suites/<suite>, pinned in suites/) unchanged,
# against Steeple's binaries instead of SPIRE's, without Docker:
#
#   run-suite-steps.sh <steeple-server> <steeple-agent> <suite-dir> <step>...
#
# What SPIRE's runner provides is provided here, and nothing else: `docker compose exec [-u UID] -T <service> CMD...`
# runs CMD on this machine (as UID through setpriv), `docker-up <service>` starts an agent from conf/agent/agent.conf
# (service `spire-agent`) or conf/<name>/agent.conf (service `<name>-spire-agent`), `docker compose logs <service>`
# prints its log, `ash` is bash, `fail-now`/`log-*` are its helpers. In the steps' text, /opt/spire/bin/spire-server
# and spire-agent become wrappers of our binaries that talk to a server started here from the suite's own
# conf/server/server.conf and to the agent of the service the command runs in; what Docker would have isolated
# (data_dir, ports, sockets, the server's host name) is moved into a temporary directory, and /opt/spire/conf/ becomes
# the suite's conf/. Prints `PASS <step>` or `FAIL <step>` for each step and exits non-zero if any failed.
set -uo pipefail

server_bin=$1 agent_bin=$2 suite=$3
shift 3

# A suite whose agent uses SPIRE's default socket path shares it with linux-quickstart.sh: one at a time.
if grep -rqs "/tmp/spire-" "$suite/conf"; then
    exec 9> /tmp/steeple-spire-default-paths.lock
    flock -w 900 9 || { echo "FAIL: /tmp/steeple-spire-default-paths.lock held for 15 minutes"; exit 1; }
fi

run=$(mktemp -d /tmp/steeple-spire-suite-XXXXXX)
# Stops the processes the steps started (they all carry STEEPLE_RUN in their environment), except those whose pids
# are given, and waits (up to 5 s) for them to be gone.
stop_marked() {
    local keep=" $$ $* " proc pid left i
    for i in $(seq 1 50); do
        left=0
        for proc in /proc/[0-9]*; do
            pid=${proc#/proc/}
            case "$keep" in *" $pid "*) continue ;; esac
            if grep -qxz "STEEPLE_RUN=$run" "$proc/environ" 2>/dev/null; then
                kill "$pid" 2>/dev/null
                left=1
            fi
        done
        [ $left -eq 0 ] && return 0
        sleep 0.1
    done
}
cleanup() {
    [ -f "$run/agent.pids" ] && kill $(cat "$run/agent.pids") 2>/dev/null
    # What Docker's teardown removes with the containers.
    stop_marked
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -f "$run/server.pid" ] && kill "$(cat "$run/server.pid")" 2>/dev/null
    [ -n "${STEEPLE_KEEP_RUN:-}" ] || rm -rf "$run"
}
trap cleanup EXIT

cp -R "$suite/conf" "$run/conf"
mkdir -p "$run/bin" "$run/data"
socket="$run/api.sock"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The suite's server.conf, with what Docker would have isolated moved into $run.
sed -e "s#/opt/spire/data/server#$run/data#g" -e "s#/opt/spire/conf/#$run/conf/#g" \
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
# In the agent's container (STEEPLE_SERVICE): /opt/spire/sockets/ is that container's, and the Workload API socket
# defaults to that agent's.
service=\${STEEPLE_SERVICE:-spire-agent}
args=()
explicit=""
for arg in "\$@"; do
    case "\$arg" in
        /opt/spire/sockets/*) args+=("$run/sockets/\$service/\${arg#/opt/spire/sockets/}") ;;
        /opt/debug.sock) args+=("$run/admin/\$service/debug.sock") ;;
        *) args+=("\$arg") ;;
    esac
    case "\$arg" in -socketPath|--socketPath) explicit=1 ;; esac
done
case "\${1:-}" in
    api|healthcheck) [ -z "\$explicit" ] && args+=(-socketPath "\$(cat "$run/sockets/\$service.path")") ;;
esac
exec "$agent_bin" "\${args[@]}"
EOF
chmod +x "$run/bin/spire-server" "$run/bin/spire-agent"

start_server() {
    "$server_bin" run -config "$run/conf/server/server.conf" >> "$run/logs/spire-server.log" 2>&1 &
    server_pid=$!
    echo "$server_pid" > "$run/server.pid"
    for _ in $(seq 1 100); do
        "$run/bin/spire-server" healthcheck > /dev/null 2>&1 && break
        sleep 0.1
    done
}

mkdir -p "$run/sockets" "$run/logs"
chmod 0755 "$run" "$run/sockets"
export STEEPLE_RUN=$run STEEPLE_AGENT_BIN=$agent_bin STEEPLE_SERVER_BIN=$server_bin STEEPLE_SERVER_PORT=$port
# SPIRE's steps call "${ROOTDIR}/setup/..."; ours has the stand-ins (setup/x509pop/setup.sh: openssl, not Go).
export ROOTDIR=$(cd "$(dirname "$0")" && pwd) RUNDIR=$run

prelude=$(cat <<'EOF'
docker-spire-server-up() {
    # The server is already running; wait as SPIRE's helper does, for its two "Starting Server APIs" lines.
    local i
    for i in $(seq 1 30); do
        [ "$(grep -c "Starting Server APIs" "$STEEPLE_RUN/logs/spire-server.log")" -ge 2 ] && return 0
        sleep 1
    done
    fail-now "the server did not log 'Starting Server APIs' twice"
}
docker-spire-server-restart() {
    # SPIRE's `docker compose restart spire-server`: the server stops and starts again from its (maybe edited)
    # config; the step itself waits for it, as SPIRE's steps do.
    local pid
    pid=$(cat "$STEEPLE_RUN/server.pid")
    kill "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    "$STEEPLE_SERVER_BIN" run -config "$STEEPLE_RUN/conf/server/server.conf" >> "$STEEPLE_RUN/logs/spire-server.log" 2>&1 &
    echo $! > "$STEEPLE_RUN/server.pid"
}
service-conf-dir() {
    # The conf directory docker-compose mounts for an agent service: spire-agent → agent, spire-agent-N → agent-N (or
    # agentN), bad-spire-agent → bad-agent.
    local n
    case "$1" in
        spire-agent) echo agent ;;
        spire-agent-*) n=${1#spire-agent-}; if [ -d "$STEEPLE_RUN/conf/agent-$n" ]; then echo "agent-$n"; else echo "agent$n"; fi ;;
        *-spire-agent) echo "${1%-spire-agent}-agent" ;;
        *) echo agent ;;
    esac
}
docker-up() {
    local service
    for service in "$@"; do
        # Like `docker compose up` of a running container: nothing to do.
        if [ -f "$STEEPLE_RUN/$service.pid" ] && kill -0 "$(cat "$STEEPLE_RUN/$service.pid")" 2>/dev/null; then continue; fi
        local dir
        dir=$(service-conf-dir "$service")
        mkdir -p "$STEEPLE_RUN/sockets/$service"
        # The service's conf directory is mounted at /opt/spire/conf/agent in its container.
        sed -e "s#/opt/spire/data/agent#$STEEPLE_RUN/data/$service#g" \
            -e "s#/opt/spire/conf/agent/#$STEEPLE_RUN/conf/$dir/#g" \
            -e "s#/opt/spire/conf/#$STEEPLE_RUN/conf/#g" \
            -e "s#/opt/spire/sockets/#$STEEPLE_RUN/sockets/$service/#g" \
            -e "s#/opt/debug.sock#$STEEPLE_RUN/admin/$service/debug.sock#g" \
            -e "s#server_address = \"spire-server\"#server_address = \"127.0.0.1\"#" \
            -e "s#server_port = \"8081\"#server_port = \"$STEEPLE_SERVER_PORT\"#" \
            "$STEEPLE_RUN/conf/$dir/agent.conf" > "$STEEPLE_RUN/$service.conf"
        # The agent's own socket_path, or one in its container's directory (SPIRE's default is per container too).
        local socket
        socket=$(sed -n 's#^[[:space:]]*socket_path = "\(.*\)"#\1#p' "$STEEPLE_RUN/$service.conf" | head -1)
        if [ -z "$socket" ]; then
            socket=$STEEPLE_RUN/sockets/$service/api.sock
            sed -i "s#^agent {#agent {\n    socket_path = \"$socket\"#" "$STEEPLE_RUN/$service.conf"
        fi
        echo "$socket" > "$STEEPLE_RUN/sockets/$service.path"
        "$STEEPLE_AGENT_BIN" run -config "$STEEPLE_RUN/$service.conf" >> "$STEEPLE_RUN/logs/$service.log" 2>&1 &
        echo $! > "$STEEPLE_RUN/$service.pid"
        echo $! >> "$STEEPLE_RUN/agent.pids"
    done
}
docker() {
    # docker compose logs <service>
    if [ "$2" = logs ]; then cat "$STEEPLE_RUN/logs/$3.log"; return; fi
    # docker compose exec [-u UID] -T <service> CMD...
    shift 2
    local user=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -u) user=$2; shift 2 ;;
            -T | -t) shift ;;
            *) break ;;
        esac
    done
    local service=$1
    shift
    if [ -n "$user" ]; then
        STEEPLE_SERVICE=$service setpriv --reuid="$user" --regid="$user" --clear-groups "$@"
    else
        STEEPLE_SERVICE=$service "$@"
    fi
}
docker-down() {
    # SPIRE's `docker-down <service>` stops that container; here, the agents started for it.
    [ -f "$STEEPLE_RUN/agent.pids" ] && kill $(cat "$STEEPLE_RUN/agent.pids") 2>/dev/null
    rm -f "$STEEPLE_RUN/agent.pids" "$STEEPLE_RUN"/*.pid
    sleep 1
}
fingerprint() {
    # As SPIRE's test/integration/common: the SHA-1 of the certificate's DER.
    openssl x509 -in "$1" -outform DER | openssl sha1 -r | awk '{print $1}'
}
check-synced-entry() {
    # Waits (30 × 1 s) for <service>'s log to contain <text>, as SPIRE's helper of the same name.
    local i
    for i in $(seq 1 30); do
        docker compose logs "$1" | grep "$2" && return 0
        sleep 1
    done
    fail-now "timed out waiting for agent to sync down entry"
}
check-log-line() {
    # Waits (30 × 1 s) for <service>'s log to match the extended regex <pattern>, as SPIRE's helper.
    local i
    for i in $(seq 1 30); do
        docker compose logs "$1" | grep -E "$2" && return 0
        sleep 1
    done
    fail-now "timed out waiting for $2 in log in container $1"
}
check-debug-info() {
    # SPIRE's helper asks the agent's debug API (through setup/debugagent's client) 50 times. A client that cannot
    # reach the API at all (no admin socket, no grpcio-tools) fails at once with its reason instead of after 50 s.
    local out
    local client
    client="$STEEPLE_RUN/conf/$(service-conf-dir "$1")/debugclient"
    if ! out=$(docker compose exec -T "$1" "$client" -testCase printDebugPage 2>&1); then
        fail-now "check-debug-info $2 on $1: $out"
    fi
    local i count
    for i in $(seq 1 50); do
        count=$(docker compose exec -T "$1" "$client" -testCase printDebugPage | jq ".$2")
        [ "$count" -eq "$3" ] && return 0
        sleep 1
    done
    fail-now "$2 validation failed: $1 reports $count, expected $3"
}
# SPIRE's helper: the agent's cached X509-SVID count (svidsCount of its debug API) must reach the expected one.
check-svid-count() { check-debug-info "$1" svidsCount "$2"; }
ash() { bash "$@"; }
fail-now() { echo "fail-now: $*" >&2; exit 1; }
log-info() { echo "info: $*"; }
log-debug() { echo "debug: $*"; }
log-warn() { echo "warn: $*"; }
export -f docker-spire-server-restart service-conf-dir docker docker-up docker-down docker-spire-server-up fingerprint check-synced-entry check-log-line check-debug-info check-svid-count ash fail-now log-info log-debug log-warn
EOF
)

failed=0
for step in "$@"; do
    # Setup steps (00-*) prepare files the server reads at start, as in SPIRE's runner.
    case "$step" in 00-*) ;; *) [ -z "${server_pid:-}" ] && start_server ;; esac
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
    # What a step leaves running besides the server and agents dies with its `docker compose exec` in Docker (its
    # output pipe is gone): 06-check-api-watch-fail's `api watch`, which would otherwise write into 07's file.
    stop_marked $(cat "$run/server.pid" 2>/dev/null) $(cat "$run/agent.pids" 2>/dev/null)
done
[ $failed -eq 0 ] || {
    :
    for log in "$run"/logs/*.log; do [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -10 "$log"; }; done
}
exit $failed
