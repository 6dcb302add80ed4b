#!/usr/bin/env bash
# The main job: Tandem's desktop app on screen, signed in as alice's laptop on a local
# Prosody, chatting with the demo accounts (alice's phone, bob and colin, driven by the
# engine). Installs and builds what it needs first. Without a display it runs on a private
# X display and saves a screenshot instead. `tandem demo` is the terminal version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npm --prefix ui run build
cargo build --release -p tandem-desktop -p tandem-cli
app=target/release/tandem-desktop
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec target/release/tandem demo --app "$app"
fi
echo "demo: no display; running on a private X display (screenshot: assets/app.png)" >&2
exec scripts/desktop-session.sh scripts/screenshot.sh target/release/tandem "$app" assets/app.png
