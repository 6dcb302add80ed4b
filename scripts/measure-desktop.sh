#!/usr/bin/env bash
# Measures the desktop app: cold start to the conversation list with MESSAGES stored messages
# (default 10,000 over 20 conversations), and idle memory of all its processes together.
# Builds release binaries, starts a lab Prosody, seeds alice's laptop profile, then runs
# e2e/measure.mjs (three runs, the median) on a private X display.
#   scripts/measure-desktop.sh [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-10000}
cargo build --release -p tandem-desktop -p tandem-cli -p tandem-tests
e2e/install.sh
bin=target/release
work=$(mktemp -d)
trap 'exec 3>&- || true; rm -rf "$work"' EXIT
coproc LAB { "$bin/tandem" lab alice:measure-pw; }
exec 3>&"${LAB[1]}"
read -r line <&"${LAB[0]}"
server=${line#*server=}; server=${server%% *}
ca=${line#*ca=}; ca=${ca%% *}
domain=${line#*domain=}
"$bin/seed-profile" "$work/profile" "alice@$domain" measure-pw "$server" "$ca" "$messages"
TANDEM_DESKTOP_BIN="$bin/tandem-desktop" TANDEM_MEASURE_PROFILE="$work/profile" \
    scripts/desktop-session.sh node e2e/measure.mjs
