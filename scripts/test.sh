#!/usr/bin/env bash
# The whole test suite. Installs what it needs first, then runs, in this order:
#   1. the UI in headless Chromium, with the shell's IPC mocked (ui/, node --test);
#   2. the real desktop app end to end: WebKit under Xvfb, driven by WebdriverIO through
#      tauri-driver, against a lab Prosody, notifications read from the session bus (e2e/);
#   3. the Rust suite: unit tests, the store contract, the bindings' freshness, and the
#      integration tests against real Prosody servers (cargo nextest).
# Every part runs even when an earlier one failed; the exit status is non-zero if any failed,
# and the output ends with nextest's own summary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi

failed=()
echo "== UI tests (headless Chromium)" >&2
npm --prefix ui test || failed+=("ui")

echo "== building the workspace (the desktop app embeds ui/dist)" >&2
cargo build --workspace --all-targets

echo "== desktop end-to-end tests (tauri-driver, WebKitWebDriver, Xvfb, D-Bus, dunst)" >&2
e2e/run.sh || failed+=("e2e")

echo "== Rust tests (nextest)" >&2
if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: FAILED before nextest: ${failed[*]}" >&2
    cargo nextest run --workspace --no-fail-fast || true
    exit 1
fi
exec cargo nextest run --workspace --no-fail-fast
