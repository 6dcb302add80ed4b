#!/usr/bin/env bash
# The whole test suite: unit tests, the store contract, and integration tests against real
# Prosody servers on loopback. Installs what it needs first; ends with the runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi
cargo build --workspace --all-targets
exec cargo nextest run --workspace --no-fail-fast
