#!/bin/bash
# Ours: SPIRE's setup/debugagent/build.sh builds, with Go, a client of the agent's debug API into "$1". Here "$1"
# runs debugclient.py (the same flags and output) with stubs that grpcio-tools generates from SPIRE's own protos
# (Tests/Interop/spire-api-sdk) into a directory next to it. Python is scripts/test's venv ($STEEPLE_PYTHON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${STEEPLE_PYTHON:-python3}
generated="$(dirname "$1")/spire-api-python"
protos="$here/../../../Interop/spire-api-sdk"
mkdir -p "$generated"
(cd "$protos" && "$python" -m grpc_tools.protoc -I. --python_out="$generated" --grpc_python_out="$generated" \
    spire/api/agent/debug/v1/debug.proto spire/api/types/spiffeid.proto) || {
    echo "setup/debugagent: grpcio-tools is needed (scripts/test installs it into its venv and sets STEEPLE_PYTHON)" >&2
    exit 1
}
# In a service's "container" (STEEPLE_SERVICE), /opt/debug.sock is that agent's: run-suite-steps.sh moves it to
# $STEEPLE_RUN/admin/<service>/debug.sock, as each container of SPIRE's suites has its own /opt.
cat > "$1" <<CLIENT
#!/bin/bash
socket=()
case " \$* " in *" -debugSocketPath"*) ;; *) socket=(-debugSocketPath "unix://\$STEEPLE_RUN/admin/\${STEEPLE_SERVICE:-spire-agent}/debug.sock") ;; esac
PYTHONPATH="$generated" exec "$python" "$here/debugclient.py" "\${socket[@]}" "\$@"
CLIENT
chmod +x "$1"
