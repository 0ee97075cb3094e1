#!/bin/bash
# Ours: SPIRE's setup/<debugserver|debugagent>/build.sh builds, with Go, a client of SPIRE's debug API into "$1".
# Steeple has no debug API yet (issues #18/#19), so "$1" becomes a client that says so and fails: the steps that
# query the debug API fail instead of passing silently.
cat > "$1" <<'CLIENT'
#!/bin/sh
echo "SPIRE debug API client: Steeple has no debug API yet" >&2
exit 1
CLIENT
chmod +x "$1"
