#!/usr/bin/env bash
# Runs the desktop demo on the current X display, opens the conversation with bob once the
# demo accounts have chatted for a while, and saves a screenshot of the app's window.
# Usage: scripts/screenshot.sh TANDEM_CLI TANDEM_DESKTOP OUT.png
set -euo pipefail
cli=$1 app=$2 out=$3
"$cli" demo --app "$app" &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true' EXIT
sleep "${TANDEM_SHOT_OPEN:-26}"
# The newest conversation (bob's) is the first row of the list.
window=$(xdotool search --sync --name '^Tandem$' | head -n1)
xdotool mousemove --window "$window" 180 103 click 1
sleep "${TANDEM_SHOT_AFTER:-10}"
import -window "$window" "$out"
echo "screenshot: $out" >&2
