#!/usr/bin/env bash
# Installs what the desktop e2e tests need and is missing: the node packages (npm ci) and
# tauri-driver (cargo install). The system packages come from apt (see README.md):
#   libwebkit2gtk-4.1-dev webkit2gtk-driver xvfb xauth dbus dbus-x11 dunst
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x node_modules/.bin/wdio ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "install: npm ci" >&2
    npm ci --no-audit --no-fund
fi

tauri_driver=${TAURI_DRIVER:-${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver}
if [ ! -x "$tauri_driver" ]; then
    echo "install: cargo install tauri-driver --locked" >&2
    cargo install tauri-driver --locked
fi

missing=()
for tool in WebKitWebDriver Xvfb dbus-daemon dbus-monitor dunst dunstctl gdbus; do
    command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install: missing system tools: ${missing[*]}" >&2
    echo "  apt-get install -y webkit2gtk-driver xvfb dbus dbus-x11 dunst libglib2.0-bin" >&2
    exit 1
fi
