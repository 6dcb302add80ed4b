#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri CLI (from npm):
# target/release/bundle/deb/Tandem_<version>_amd64.deb. Bundles deb only (AppImage would
# download tools from the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npm --prefix ui run build
cd src-tauri
exec ../ui/node_modules/.bin/tauri build --bundles deb
