#!/usr/bin/env bash
# Installs what Tandem needs on Debian 12: Prosody (the real server every test and the demo
# start on loopback), the C toolchain for the Rust crates, and what the desktop app needs to
# build, run and be tested (WebKitGTK, Node.js, a private X display, D-Bus and a notification
# daemon, WebKit's WebDriver, Chromium for the UI tests). Safe to run again.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

have_cargo=1
command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] || have_cargo=0
wanted=(prosody lua-dbi-sqlite3 build-essential pkg-config ca-certificates
    libwebkit2gtk-4.1-dev librsvg2-dev
    xvfb xauth dbus dbus-x11 dunst libnotify-bin libglib2.0-bin webkit2gtk-driver chromium
    imagemagick xdotool fonts-noto-color-emoji)
[ "$have_cargo" = 1 ] || wanted+=(curl)
# Node.js for the UI's build and tests: Debian's own only when none is installed (an existing
# Node.js, e.g. NodeSource's, carries its own npm, which Debian's npm package would clash with).
command -v node >/dev/null 2>&1 || wanted+=(nodejs npm)
need_pkgs=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    echo "setup: installing ${need_pkgs[*]}" >&2
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need_pkgs[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        echo "setup: installing the Rust toolchain (rustup)" >&2
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi

# Vite 8 and Svelte 5's tools need Node.js 20 or newer.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "setup: Node.js $(node --version) is too old for the UI's tools; install Node.js 20 or newer (e.g. from NodeSource) and run again" >&2
    exit 1
fi

# The UI's packages (Vite, Svelte, the test tools), exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: installing the UI's npm packages" >&2
    npm --prefix ui ci --no-audit --no-fund
fi
